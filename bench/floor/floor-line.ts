/**
 * The one log line the floor programs send: ~450 bytes of JSON, the size of a Kinesis-default line.
 */
export const FLOOR_LINE = JSON.stringify({
  timestamp: '2026-12-06T10:00:00',
  time_elapsed: '1234',
  is_tls: 'true',
  client_ip: '203.0.113.7',
  geo_city: 'san francisco',
  geo_country_code: 'US',
  request: 'GET',
  host: 'www.example.com',
  url: '/products/widgets?color=blue&size=large',
  request_referer: 'https://www.example.com/products',
  request_user_agent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)',
  request_accept_language: 'en-US,en;q=0.9',
  request_accept_charset: '',
  cache_status: 'MISS',
});
