/**
 * Secret Store values as users store them (issue 14.7): `fastly secret-store-entry create --stdin
 * <<< "$VALUE"` keeps the shell's trailing newline. Read without it, the keys sign requests that
 * AWS's own signer (the verifier) accepts; a value with a control character inside is refused by
 * its key, without a request, and never counted as an attempt that was sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountFor, newStream, stackInstance, startStack, TEST_KEYS, type Stack } from '../../support/delivery-stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.stop());

describe('secret values with line breaks', () => {
  it('keys stored with a trailing newline (or CRLF) sign requests AWS accepts', async () => {
    const stream = await newStream(stack, 1, 'newline');
    const instance = stackInstance(stack, stream, {
      secrets: { 'main.access_key_id': `${TEST_KEYS.accessKeyId}\n`, 'main.secret_access_key': `${TEST_KEYS.secretAccessKey}\r\n` },
    });
    const rejectedBefore = stack.verifier.stats.rejected;
    const lines = ['one', 'two'];
    const result = await instance.deliver(lines);
    expect(result.outcome).toMatchObject({ delivered: 2, failed: 0 });
    expect(stack.verifier.stats.rejected).toBe(rejectedBefore);
    expect((await accountFor(stack, stream, lines, result)).stored.sort()).toEqual(lines);
  });

  it('a value with a line break inside is refused by its key, reported once, nothing sent, no attempt counted', async () => {
    const stream = await newStream(stack, 1, 'newline');
    const instance = stackInstance(stack, stream, {
      secrets: { 'main.access_key_id': TEST_KEYS.accessKeyId, 'main.secret_access_key': TEST_KEYS.secretAccessKey, 'main.session_token': 'token\nwith-a-break' },
    });
    const acceptedBefore = stack.verifier.stats.accepted + stack.verifier.stats.rejected;
    const first = await instance.deliver(['x']);
    const second = await instance.deliver(['y']);
    expect(stack.verifier.stats.accepted + stack.verifier.stats.rejected).toBe(acceptedBefore);
    expect([...first.reports, ...second.reports]).toEqual([
      'Failed to put record onto stream ' +
        `${stream}: InvalidCredentials secret main.session_token in Secret Store "kinesis_logger_secrets": contains a line break or another control character; store the value without it (endpoint main); ` +
        'its lines are not sent until the secret is fixed, and are counted on the admin page',
    ]);
    expect([...first.fallback, ...second.fallback]).toEqual(['x', 'y']);
    expect(instance.counters()).toMatchObject({ attempted: 2, failed: 2, retried: 0, putRecordsCalls: 0, failedByCode: { InvalidCredentials: 2 } });
  });
});
