import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_AWS_MESSAGE_CHARS, MAX_AWS_MESSAGE_INPUT_CHARS, REDACTED, sanitizeAwsMessage } from '../../../src/aws/error-message.js';

const TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLEtokenZ3Jk+/=abc';
const SIGNATURE = 'a'.repeat(64);

/** What Kinesis answers to a wrong secret signed with temporary credentials (the shape of aws/aws-sdk-js#168). */
const INVALID_SIGNATURE = [
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  '',
  'The Canonical String for this request should have been',
  "'POST",
  '/',
  '',
  'content-type:application/x-amz-json-1.1',
  'host:kinesis.us-east-1.amazonaws.com',
  'x-amz-date:20240101T000000Z',
  `x-amz-security-token:${TOKEN}`,
  'x-amz-target:Kinesis_20131202.PutRecords',
  '',
  'content-type;host;x-amz-date;x-amz-security-token;x-amz-target',
  `${'e'.repeat(64)}'`,
  '',
  'The String-to-Sign should have been',
  "'AWS4-HMAC-SHA256",
  '20240101T000000Z',
  '20240101/us-east-1/kinesis/aws4_request',
  `${'f'.repeat(64)}'`,
  '',
].join('\n');

describe('sanitizeAwsMessage', () => {
  it('keeps only the first sentence of a refused signature: no canonical request, no token, no string to sign', () => {
    const clean = sanitizeAwsMessage(INVALID_SIGNATURE);
    expect(clean).toBe('The request signature we calculated does not match the signature you provided.');
    expect(clean).not.toContain(TOKEN);
  });

  it('cuts the echo even when the message arrives flattened to one line', () => {
    const flat = INVALID_SIGNATURE.replace(/\n/g, ' ').replace('provided. Check', 'provided, check');
    const clean = sanitizeAwsMessage(flat);
    expect(clean).not.toContain(TOKEN);
    expect(clean).not.toMatch(/Canonical|String-to-Sign|x-amz-security-token/i);
    expect(clean).toMatch(/^The request signature we calculated does not match the signature you provided, check/);
  });

  it.each([
    ['a canonical header', `bad x-amz-security-token:${TOKEN} here`, `bad x-amz-security-token:${REDACTED} here`],
    ['a query parameter', `GET /?Action=X&X-Amz-Security-Token=${encodeURIComponent(TOKEN)}&X-Amz-Date=1`, `GET /?Action=X&X-Amz-Security-Token=${REDACTED}&X-Amz-Date=1`],
    [
      'an Authorization header',
      `got AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIGNATURE}`,
      `got AWS4-HMAC-SHA256 Credential=${REDACTED}, SignedHeaders=host;x-amz-date, Signature=${REDACTED}`,
    ],
    ['presigned credentials', `X-Amz-Credential=ASIAIOSFODNN7EXAMPLE%2F20240101 X-Amz-Signature=${SIGNATURE}`, `X-Amz-Credential=${REDACTED} X-Amz-Signature=${REDACTED}`],
    ['an S3-style key id', '<AWSAccessKeyId>ASIAIOSFODNN7EXAMPLE</AWSAccessKeyId>', `<AWSAccessKeyId>${REDACTED}</AWSAccessKeyId>`],
    ['a bare access key id', 'key ASIAIOSFODNN7EXAMPLE is not known', `key ${REDACTED} is not known`],
  ])('redacts signing material in %s', (_, raw, expected) => {
    expect(sanitizeAwsMessage(raw)).toBe(expected);
  });

  it('leaves ordinary AWS messages as they are', () => {
    for (const message of [
      'Rate exceeded for shard shardId-000000000001 in stream logs under account 123456789012.',
      'Stream logs under account 123456789012 not found.',
      "1 validation error detected: Value 'x' at 'records.1.member.partitionKey' failed to satisfy constraint: Member must have length less than or equal to 256",
      'Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z (20240101T001000Z - 5 min.)',
      'The security token included in the request is invalid.',
    ]) {
      expect(sanitizeAwsMessage(message)).toBe(message);
    }
  });

  it('flattens control characters and whitespace, and caps the length (ellipsis included)', () => {
    expect(sanitizeAwsMessage('  tab\there\u0000and\u007fthere  ')).toBe('tab here and there');
    const long = sanitizeAwsMessage(`x${'y'.repeat(1000)}`);
    expect(long).toHaveLength(MAX_AWS_MESSAGE_CHARS);
    expect(long.endsWith('…')).toBe(true);
    // A surrogate pair at the cut is not split.
    const emoji = sanitizeAwsMessage(`${'a'.repeat(MAX_AWS_MESSAGE_CHARS - 2)}😀😀😀`);
    expect(emoji.endsWith('a…')).toBe(true);
  });

  it('is idempotent (text may pass the gate where it enters and again where it leaves)', () => {
    for (const raw of [INVALID_SIGNATURE, `a.\u0001B`, `x-amz-security-token:${TOKEN}`, `${'word '.repeat(100)}`, 'Signature=abc. Next part']) {
      const once = sanitizeAwsMessage(raw);
      expect(sanitizeAwsMessage(once)).toBe(once);
    }
  });

  it('takes anything (an Error message, undefined, a number) and returns a string', () => {
    expect(sanitizeAwsMessage(undefined)).toBe('');
    expect(sanitizeAwsMessage(null)).toBe('');
    expect(sanitizeAwsMessage(42)).toBe('42');
  });

  describe('work is bounded by MAX_AWS_MESSAGE_INPUT_CHARS, whatever arrives', () => {
    afterEach(() => vi.restoreAllMocks());

    /** The longest string any regex was run on while `run` ran (every way a regex reads a string goes through these). */
    function longestRegexInput(run: () => void): number {
      let longest = 0;
      for (const method of ['exec', 'test', Symbol.replace, Symbol.split, Symbol.match, Symbol.matchAll, Symbol.search] as const) {
        const original = RegExp.prototype[method] as (this: RegExp, ...args: unknown[]) => unknown;
        vi.spyOn(RegExp.prototype, method as 'exec').mockImplementation(function (this: RegExp, ...args: unknown[]) {
          longest = Math.max(longest, String(args[0]).length);
          return original.apply(this, args) as RegExpExecArray | null;
        });
      }
      run();
      return longest;
    }

    it.each([
      ['160k spaces between two words', `Rate ${' '.repeat(160_000)}exceeded`],
      ['one 160k-character line', 'Rate exceeded for shard '.repeat(7_000)],
      ['160k characters before the first newline', `${'x '.repeat(80_000)}\nsecond line`],
    ])('no regex sees more than the bound: %s', (_, raw) => {
      expect(raw.length).toBeGreaterThan(150_000);
      expect(longestRegexInput(() => sanitizeAwsMessage(raw))).toBeLessThanOrEqual(MAX_AWS_MESSAGE_INPUT_CHARS);
    });

    it('answers a long input as it answers the input cut at the bound', () => {
      const raw = `Rate exceeded for shard shardId-000000000001${' '.repeat(160_000)} in stream logs.`;
      expect(sanitizeAwsMessage(raw)).toBe('Rate exceeded for shard shardId-000000000001');
      expect(sanitizeAwsMessage(raw)).toBe(sanitizeAwsMessage(raw.slice(0, MAX_AWS_MESSAGE_INPUT_CHARS)));
    });

    it('drops a value that the cut splits, so half a key id cannot slip past the redaction', () => {
      const keyId = 'AKIAIOSFODNN7EXAMPLE';
      for (const split of [1, 4, 10, 19]) {
        const padding = ' '.repeat(MAX_AWS_MESSAGE_INPUT_CHARS - 'key '.length - split);
        const raw = `key ${padding}${keyId} is not known`;
        expect(raw.indexOf(keyId) + split).toBe(MAX_AWS_MESSAGE_INPUT_CHARS);
        const clean = sanitizeAwsMessage(raw);
        expect(clean).toBe('key');
        expect(clean).not.toContain(keyId.slice(0, split));
      }
      // Behind a delimiter, the value alone is dropped.
      const raw = `key=${'k'.repeat(MAX_AWS_MESSAGE_INPUT_CHARS - 14)}&id=${keyId}`;
      expect(sanitizeAwsMessage(raw)).not.toContain('AKIA');
    });
  });
});

