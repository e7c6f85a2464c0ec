/**
 * What a compiled format or condition reads (format/facts-read.ts): the handler passes a response
 * body through untouched unless some line reads its byte count or end, so a read missed here would
 * log a wrong figure, and a read invented here would cost 5 ms of CPU per MiB for nothing.
 */
import { describe, expect, it } from 'vitest';
import { CLF_FORMAT, compileCondition, compileFormat, DATADOG_DEFAULT_FORMAT, KINESIS_DEFAULT_FORMAT } from '../../../src/format/index.js';

const BODY = 'responseBodyBytes';
const END = 'timeEndUs';

function reads(format: string): { body: boolean; end: boolean } {
  const { factsRead } = compileFormat(format);
  return { body: factsRead.has(BODY), end: factsRead.has(END) };
}

describe('facts a format reads', () => {
  it.each([
    ['%b', { body: true, end: false }],
    ['%B', { body: true, end: false }],
    ['%O', { body: true, end: false }],
    ['%D', { body: false, end: true }],
    ['%T', { body: false, end: true }],
    ['%{ms}T', { body: false, end: true }],
    ['%{end:%Y-%m-%d}t', { body: false, end: true }],
    ['%{end:msec}t', { body: false, end: true }],
    ['%{begin:%Y-%m-%d}t %t %{msec}t', { body: false, end: false }],
    ['%{resp.body_bytes_written}V', { body: true, end: false }],
    ['%{resp.bytes_written}V', { body: true, end: false }],
    ['%{time.elapsed.usec}V', { body: false, end: true }],
    ['%{time.end.msec}V', { body: false, end: true }],
    ['%{now}V', { body: false, end: true }],
    ['%{uuid.version7()}V', { body: false, end: true }],
    ['%{uuid.version4()}V', { body: false, end: false }],
    ['%h %l %u "%r" %>s %{Referer}i %{Content-Type}o', { body: false, end: false }],
  ])('%s', (format, expected) => {
    expect(reads(format)).toEqual(expected);
  });

  it('sees reads in every branch, not only the one taken', () => {
    expect(reads('%{if(resp.status == 999, time.elapsed.msec, "-")}V')).toEqual({ body: false, end: true });
    expect(reads('%{if(req.is_ssl, "", std.itoa(resp.body_bytes_written))}V')).toEqual({ body: true, end: false });
  });

  it("Fastly's default formats: Kinesis reads the end (time_elapsed), CLF the size, Datadog both", () => {
    expect(reads(KINESIS_DEFAULT_FORMAT)).toEqual({ body: false, end: true });
    expect(reads(CLF_FORMAT)).toEqual({ body: true, end: false });
    expect(reads(DATADOG_DEFAULT_FORMAT)).toEqual({ body: true, end: true });
  });

  it('conditions too', () => {
    expect(compileCondition('resp.body_bytes_written > 1000000').factsRead.has(BODY)).toBe(true);
    expect(compileCondition('resp.status >= 500').factsRead.has(BODY)).toBe(false);
    expect(compileCondition('resp.status >= 500').factsRead.has(END)).toBe(false);
  });
});
