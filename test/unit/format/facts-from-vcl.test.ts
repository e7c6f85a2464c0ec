/** Facts JSON (VCL variable names) → RequestFacts, as the preview CLI reads it. */
import { describe, expect, it } from 'vitest';
import { factsFromVclJson, FactsError, readVclFacts } from '../../../src/format/facts-from-vcl.js';
import { compileFormat } from '../../../src/format/index.js';

describe('factsFromVclJson', () => {
  it('reads raw facts and leaves derived ones to the engine', () => {
    const facts = factsFromVclJson({
      'time.start': '2024-03-05T14:07:09.123456Z',
      'time.end': '2024-03-05T14:07:09.170789Z',
      'req.method': 'GET',
      'req.url': '/a?x=1',
      'req.proto': 'HTTP/1.1',
      'req.is_ssl': true,
      'req.http.User-Agent': 'curl/8.4.0',
      'resp.status': 200,
      'resp.body_bytes_written': 1234,
      'client.ip': '203.0.113.7',
      'client.geo.city': 'london',
    });
    expect(facts).toMatchObject({
      timeStartUs: 1709647629123456,
      timeEndUs: 1709647629170789,
      method: 'GET',
      url: '/a?x=1',
      isSsl: true,
      requestHeaders: [['User-Agent', 'curl/8.4.0']],
      status: 200,
      responseBodyBytes: 1234,
      clientIp: '203.0.113.7',
      geo: { city: 'london' },
    });
  });

  it('defaults: GET / HTTP/1.1, status 200, time.end = time.start', () => {
    const facts = factsFromVclJson({}, 1_000);
    expect(facts).toMatchObject({ method: 'GET', url: '/', proto: 'HTTP/1.1', status: 200, timeStartUs: 1_000_000, timeEndUs: 1_000_000 });
  });

  it.each([
    ['ISO with offset', '2024-03-05T15:07:09+01:00', 1709647629000000],
    ['ISO with 9 fraction digits', '2024-03-05T14:07:09.123456789Z', 1709647629123456],
    ['RFC 1123', 'Tue, 05 Mar 2024 14:07:09 GMT', 1709647629000000],
    ['epoch seconds (number)', 1709647629.5, 1709647629500000],
    ['epoch seconds (string)', '1709647629', 1709647629000000],
  ])('time.start as %s', (_name, value, us) => {
    expect(factsFromVclJson({ 'time.start': value }).timeStartUs).toBe(us);
  });

  it('time.elapsed sets time.end when it is absent', () => {
    expect(factsFromVclJson({ 'time.start': 10, 'time.elapsed': 0.25 }).timeEndUs).toBe(10_250_000);
    expect(factsFromVclJson({ 'time.start': 10, 'time.elapsed.usec': 47333 }).timeEndUs).toBe(10_047_333);
  });

  it('splits total byte counts', () => {
    const facts = factsFromVclJson({ 'req.bytes_read': 500, 'req.body_bytes_read': 100, 'resp.bytes_written': 900, 'resp.body_bytes_written': 700 });
    expect(facts).toMatchObject({ requestHeaderBytes: 400, requestBodyBytes: 100, responseHeaderBytes: 200 });
  });

  it('repeated headers, geo aliases, server, TLS and null as not set', () => {
    const facts = factsFromVclJson({
      'req.http.X-Forwarded-For': ['1.1.1.1', '2.2.2.2'],
      'client.geo.city.utf8': 'Zürich',
      'geoip.country_code': 'CH',
      'client.geo.latitude': '47.5',
      'client.as.number': 64500,
      'server.datacenter': 'ZRH',
      'req.service_id': 'svc',
      'tls.client.protocol': 'TLSv1.3',
      'resp.response': null,
      'req.protocol': 'https',
    });
    expect(facts.requestHeaders).toEqual([
      ['X-Forwarded-For', '1.1.1.1'],
      ['X-Forwarded-For', '2.2.2.2'],
    ]);
    expect(facts.geo).toEqual({ city: 'Zürich', country_code: 'CH', latitude: 47.5, as_number: 64500 });
    expect(facts.server).toEqual({ datacenter: 'ZRH', serviceId: 'svc' });
    expect(facts.tls).toEqual({ protocol: 'TLSv1.3' });
    expect(facts.responseReason).toBeUndefined();
    expect(facts.isSsl).toBe(true);
  });

  it.each([
    [[], 'facts must be a JSON object of VCL variable names, e.g. {"req.url": "/a?x=1"}'],
    [{ 'req.nope': 1 }, 'unknown fact "req.nope": expected a VCL variable name such as req.url, req.http.User-Agent, resp.status or time.start'],
    [{ 'resp.status': 'abc' }, '"resp.status" must be a number, found "abc"'],
    [{ 'resp.status': 200.5 }, '"resp.status" must be an integer, found 200.5'],
    [{ 'req.is_ssl': 'yes' }, '"req.is_ssl" must be true or false, found "yes"'],
    [{ 'time.start': 'yesterday' }, '"time.start" must be an ISO 8601 or RFC 1123 time, or epoch seconds, found "yesterday"'],
    [{ 'req.http.Bad Name': 'x' }, '"req.http.Bad Name": "Bad Name" is not a header name'],
    [{ 'req.url': {} }, '"req.url" must be a string, found {}'],
    [{ 'req.protocol': 'ftp' }, '"req.protocol" must be "http" or "https", found "ftp"'],
  ])('rejects %j', (input, message) => {
    expect(() => factsFromVclJson(input)).toThrow(new FactsError(message));
  });
});

describe('readVclFacts: every variable the engine knows is accepted', () => {
  it('notes fixed, not-provided and derived variables instead of refusing them', () => {
    const { facts, notes } = readVclFacts({
      'fastly.ff.visits_this_service': 1,
      'req.restarts': 2,
      'client.socket.tcpi_rtt': 30,
      'req.url.path': '/other',
      'req.url': '/a?x=1',
    });
    expect(facts.url).toBe('/a?x=1');
    expect(notes).toEqual([
      'fastly.ff.visits_this_service: not used: the Compute edge always renders 0',
      'req.restarts: not used: the Compute edge always renders 0',
      'client.socket.tcpi_rtt: not used: Compute does not provide it, so it is never set: (null), or in a JSON template null as a bare value and empty inside quotes',
      'req.url.path: not used: the engine derives it from the other facts, as in production',
    ]);
    expect(compileFormat('%{fastly.ff.visits_this_service}V %{req.url.path}V').render(facts)).toBe('0 /a');
  });

  it('reads device detection facts', () => {
    const { facts, notes } = readVclFacts({ 'client.platform.mobile': true, 'client.platform.vendor': 'Apple', 'client.bot.name': 'Googlebot' });
    expect(notes).toEqual([]);
    expect(facts.device).toMatchObject({ isMobile: true, brand: 'Apple', name: 'Googlebot', isBot: true, isTablet: null });
  });
});
