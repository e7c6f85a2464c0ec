/** HTTP/1.1 header-size estimates used when the handler did not count bytes. */
import { describe, expect, it } from 'vitest';
import type { RequestFacts } from '../../../src/facts/request-facts.js';
import { estimateRequestHeaderBytes, estimateResponseHeaderBytes } from '../../../src/facts/wire-size.js';

const facts: RequestFacts = {
  timeStartUs: 0,
  timeEndUs: 0,
  method: 'GET',
  url: '/é',
  proto: 'HTTP/1.1',
  isSsl: false,
  requestHeaders: [['Host', 'a.example']],
  status: 200,
  responseReason: 'OK',
  responseHeaders: [['Age', '1']],
  responseBodyBytes: 0,
  server: {},
  tls: {},
};

describe('wire-size estimates', () => {
  it('counts the request line, headers and blank line in UTF-8 bytes', () => {
    // "GET /é HTTP/1.1\r\n" (18) + "Host: a.example\r\n" (17) + "\r\n" (2)
    expect(estimateRequestHeaderBytes(facts)).toBe(37);
  });

  it('counts the status line, headers and blank line', () => {
    // "HTTP/1.1 200 OK\r\n" (17) + "Age: 1\r\n" (8) + "\r\n" (2)
    expect(estimateResponseHeaderBytes(facts)).toBe(27);
  });

  it('counts an empty reason phrase when the response has none', () => {
    // "HTTP/1.1 200 \r\n" (15) + "Age: 1\r\n" (8) + "\r\n" (2)
    expect(estimateResponseHeaderBytes({ ...facts, responseReason: undefined })).toBe(25);
  });
});
