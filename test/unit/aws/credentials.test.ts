import { describe, expect, it } from 'vitest';
import { RequestBudget, type RequestAllowance } from '../../../src/aws/budget.js';
import { CredentialsError, expiringCredentials, readKeysFromSecrets, staticCredentials, type AwsCredentials } from '../../../src/aws/credentials.js';
import { createEndpointCredentials } from '../../../src/aws/provider.js';
import { FakeSecrets } from '../../../src/testing/memory-stores.js';

const budget = () => new RequestBudget(30, Infinity);

/** A fake STS: hands out numbered credentials expiring `lifetimeMs` after the fake clock's now. */
function fakeSts(clock: { now: number }, lifetimeMs = 3_600_000) {
  let calls = 0;
  let failNext: Error | undefined;
  return {
    get calls() {
      return calls;
    },
    failOnce(error: Error) {
      failNext = error;
    },
    fetch: async (b: RequestAllowance): Promise<AwsCredentials> => {
      calls++;
      b.tryTake();
      if (failNext) {
        const e = failNext;
        failNext = undefined;
        throw e;
      }
      return { accessKeyId: `ASIA${calls}`, secretAccessKey: `secret-${calls}`, sessionToken: `token-${calls}`, expiresAtMs: clock.now + lifetimeMs };
    },
  };
}

describe('expiringCredentials (iam_role cache) with a fake clock', () => {
  it('caches until Expiration minus the 60 s margin, then fetches anew', async () => {
    const clock = { now: 0 };
    const sts = fakeSts(clock);
    const provider = expiringCredentials({ fetch: sts.fetch, now: () => clock.now });
    expect((await provider.get(budget())).accessKeyId).toBe('ASIA1');
    clock.now = 3_600_000 - 60_001;
    expect((await provider.get(budget())).accessKeyId).toBe('ASIA1');
    clock.now = 3_600_000 - 60_000;
    expect((await provider.get(budget())).accessKeyId).toBe('ASIA2');
    expect(sts.calls).toBe(2);
    expect(provider.stats()).toMatchObject({ source: 'sts_assume_role', fetches: 2, expiresAt: new Date(3_600_000 - 60_000 + 3_600_000).toISOString() });
  });

  it('shares one STS call among concurrent gets', async () => {
    const clock = { now: 0 };
    const sts = fakeSts(clock);
    const provider = expiringCredentials({ fetch: sts.fetch, now: () => clock.now });
    const all = await Promise.all([provider.get(budget()), provider.get(budget()), provider.get(budget())]);
    expect(new Set(all.map((c) => c.accessKeyId))).toEqual(new Set(['ASIA1']));
    expect(sts.calls).toBe(1);
  });

  it('keeps using still-valid credentials when the early refresh fails, and fails once they expired', async () => {
    const clock = { now: 0 };
    const sts = fakeSts(clock);
    const provider = expiringCredentials({ fetch: sts.fetch, now: () => clock.now });
    await provider.get(budget());
    clock.now = 3_600_000 - 30_000; // inside the margin, not expired
    sts.failOnce(new CredentialsError('Throttling', 'STS AssumeRole: Rate exceeded', 400));
    expect((await provider.get(budget())).accessKeyId).toBe('ASIA1');
    clock.now = 3_600_000; // expired now
    sts.failOnce(new CredentialsError('Throttling', 'STS AssumeRole: Rate exceeded', 400));
    await expect(provider.get(budget())).rejects.toMatchObject({ errorCode: 'Throttling' });
    expect(provider.stats()).toMatchObject({ fetchFailures: 2, lastErrorCode: 'Throttling' });
  });

  it('forced refresh after an auth error: allowed once per interval, and re-reads the base keys', async () => {
    const clock = { now: 0 };
    const sts = fakeSts(clock);
    let baseReads = 0;
    const base = staticCredentials(async () => (baseReads++, { accessKeyId: 'AKID', secretAccessKey: 's' }), { now: () => clock.now });
    await base.get(budget());
    const provider = expiringCredentials({ fetch: sts.fetch, base, now: () => clock.now, minForcedRefreshIntervalMs: 60_000 });
    await provider.get(budget());
    expect(provider.requestRefresh(budget())).toBe(true);
    expect((await provider.get(budget())).accessKeyId).toBe('ASIA2');
    await base.get(budget());
    expect(baseReads).toBe(2);
    clock.now = 59_999;
    expect(provider.requestRefresh(budget())).toBe(false);
    expect((await provider.get(budget())).accessKeyId).toBe('ASIA2');
    clock.now = 60_000;
    expect(provider.requestRefresh(budget())).toBe(true);
    expect(provider.stats()).toMatchObject({ forcedRefreshes: 2, refreshesRateLimited: 1 });
  });
});

describe('staticCredentials (user_credentials)', () => {
  it('reads the Secret Store once, again after a forced refresh, and does not cache a failure', async () => {
    const values: Record<string, string> = { 'main.access_key_id': 'AKID1' };
    const secrets = new FakeSecrets(values);
    const clock = { now: 0 };
    const provider = staticCredentials(() => readKeysFromSecrets(secrets, 'main', 'kinesis_logger_secrets'), { now: () => clock.now });
    await expect(provider.get(budget())).rejects.toThrow('secret main.secret_access_key: missing or empty in Secret Store "kinesis_logger_secrets"');
    values['main.secret_access_key'] = 'the-secret';
    expect(await provider.get(budget())).toEqual({ accessKeyId: 'AKID1', secretAccessKey: 'the-secret', sessionToken: undefined });
    values['main.secret_access_key'] = 'rotated';
    expect((await provider.get(budget())).secretAccessKey).toBe('the-secret');
    expect(provider.requestRefresh(budget())).toBe(true);
    expect((await provider.get(budget())).secretAccessKey).toBe('rotated');
    expect(provider.stats()).toMatchObject({ source: 'secret_store', fetches: 3, fetchFailures: 1, lastErrorCode: 'MissingCredentials' });
  });

  it('names the key and the Secret Store it was looked for in, never the value, in errors', async () => {
    const error = await readKeysFromSecrets(new FakeSecrets({ 'x.secret_access_key': 'SECRET-VALUE' }), 'x', 'app_secrets').catch((e: Error) => e);
    expect(error).toMatchObject({ errorCode: 'MissingCredentials', message: 'secret x.access_key_id: missing or empty in Secret Store "app_secrets"' });
    expect(JSON.stringify(error) + String(error)).not.toContain('SECRET-VALUE');
  });

  it('a secret store that cannot be opened is a MissingCredentials error, not a network error', async () => {
    const provider = createEndpointCredentials(
      { name: 'main', region: 'us-east-1', access: { method: 'user_credentials' } },
      { openSecrets: () => { throw new TypeError('no store'); }, secretStoreName: 'kinesis_logger_secrets', fetch: () => Promise.reject(new Error('unused')), now: Date.now, roleSessions: new Map() },
    );
    await expect(provider.identity(budget())).rejects.toMatchObject({ errorCode: 'MissingCredentials', message: 'Secret Store "kinesis_logger_secrets" cannot be opened (not linked to the service?)' });
  });

  it('reads secrets without the trailing line break `--stdin <<<` stores, and refuses one with a control character inside, by key', async () => {
    const keys = await readKeysFromSecrets(new FakeSecrets({ 'x.access_key_id': 'AKID1\n', 'x.secret_access_key': 'the-secret\r\n', 'x.session_token': 'token\n\n' }), 'x', 'app_secrets');
    expect(keys).toEqual({ accessKeyId: 'AKID1', secretAccessKey: 'the-secret', sessionToken: 'token' });
    const error = await readKeysFromSecrets(new FakeSecrets({ 'x.access_key_id': 'AKID1', 'x.secret_access_key': 'SECRET\nVALUE' }), 'x', 'app_secrets').catch((e: Error) => e);
    expect(error).toMatchObject({ errorCode: 'InvalidCredentials', message: 'secret x.secret_access_key in Secret Store "app_secrets": contains a line break or another control character; store the value without it' });
    expect(String(error)).not.toContain('SECRET');
  });
});

describe('expiringCredentials: STS failures', () => {
  it('backs off 1 s ×1.5 up to 30 s, answering the last error without a call meanwhile; one call per execution at most', async () => {
    const clock = { now: 0 };
    let calls = 0;
    const provider = expiringCredentials({
      now: () => clock.now,
      fetch: async (allowance) => {
        calls++;
        allowance.tryTake();
        throw new CredentialsError('AccessDenied', 'STS AssumeRole: not authorized', 403);
      },
    });
    const execution = budget();
    await expect(provider.get(execution)).rejects.toMatchObject({ errorCode: 'AccessDenied' });
    // The same execution, even past the backoff: no second call.
    clock.now = 5_000;
    await expect(provider.get(execution)).rejects.toMatchObject({ errorCode: 'AccessDenied' });
    expect(provider.wouldFetch(execution)).toBe(false);
    expect(provider.requestRefresh(execution)).toBe(false);
    expect(calls).toBe(1);
    // Later executions: one call each once its backoff has passed (1.5 s, 2.25 s, … up to 30 s).
    const waits: number[] = [];
    for (let failure = 2; failure <= 12; failure++) {
      const start = clock.now;
      while (!provider.wouldFetch(budget())) clock.now += 50;
      waits.push(clock.now - start);
      await expect(provider.get(budget())).rejects.toMatchObject({ errorCode: 'AccessDenied' });
      expect(calls).toBe(failure);
    }
    expect(waits[0]).toBe(0); // 5 s had passed: the 1 s backoff was over
    expect(waits[1]).toBe(1_500);
    expect(waits[2]).toBe(2_250);
    expect(Math.max(...waits)).toBe(30_000);
    expect(provider.stats()).toMatchObject({ fetches: 12, fetchFailures: 12, lastErrorCode: 'AccessDenied', backoffUntil: new Date(clock.now + 30_000).toISOString() });
  });

  it('a call the budget refused is no failure: no backoff, and the next execution with room calls', async () => {
    const clock = { now: 0 };
    const sts = fakeSts(clock);
    let refuse = true;
    const provider = expiringCredentials({
      now: () => clock.now,
      fetch: (allowance) => (refuse ? Promise.reject(new CredentialsError('BudgetExhausted', 'STS AssumeRole not sent')) : sts.fetch(allowance)),
    });
    await expect(provider.get(budget())).rejects.toMatchObject({ errorCode: 'BudgetExhausted' });
    expect(provider.stats()).toMatchObject({ fetches: 0, fetchFailures: 0 });
    refuse = false;
    expect(provider.wouldFetch(budget())).toBe(true);
    expect((await provider.get(budget())).accessKeyId).toBe('ASIA1');
  });
});
