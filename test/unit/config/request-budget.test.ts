/**
 * config/load.ts refuses, with the arithmetic, the endpoints whose lines one request could not
 * send on a new sandbox: distinct roles (AssumeRole) + streams × signers (PutRecords) must fit in
 * the 31 backend requests Compute leaves behind the origin fetch. docs/configuration.md states the largest
 * configuration that fits; this test holds it to the code.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOGGING_BACKEND_REQUESTS, loadServiceConfig, MAX_ENDPOINTS } from '../../../src/config/index.js';
import { configItems, FakeConfig } from '../../../src/testing/memory-stores.js';

/** `endpoints` endpoints, each on its own stream; the first `roles` assume distinct roles, the others share the last of them. */
function configuration(endpoints: number, roles: number): Record<string, string> {
  const names = Array.from({ length: endpoints }, (_, i) => `e${i}`);
  const flat: Record<string, string> = { endpoints: names.join(',') };
  names.forEach((name, i) => {
    flat[`${name}.stream_name`] = `stream-${i}`;
    flat[`${name}.region`] = 'us-east-1';
    flat[`${name}.iam_role`] = `arn:aws:iam::123456789012:role/role-${Math.min(i, roles - 1)}`;
  });
  return flat;
}

const load = (flat: Record<string, string>) => loadServiceConfig(new FakeConfig(configItems(flat)));

describe('the request budget of a new sandbox', () => {
  const largestRoles = LOGGING_BACKEND_REQUESTS - MAX_ENDPOINTS;

  it(`accepts ${MAX_ENDPOINTS} endpoints on ${MAX_ENDPOINTS} streams with ${LOGGING_BACKEND_REQUESTS - MAX_ENDPOINTS} distinct roles`, () => {
    const config = load(configuration(MAX_ENDPOINTS, largestRoles));
    expect(config.errors).toEqual([]);
    expect(config.endpoints).toHaveLength(MAX_ENDPOINTS);
  });

  it('refuses the endpoint that brings one distinct role more, with the arithmetic', () => {
    const config = load(configuration(MAX_ENDPOINTS, largestRoles + 1));
    expect(config.endpoints).toHaveLength(MAX_ENDPOINTS - 1);
    expect(config.errors.map((e) => e.message)).toEqual([
      `e${MAX_ENDPOINTS - 1}: with it, a request's lines on a new sandbox need ${largestRoles + 1} AssumeRole (distinct roles) + ${MAX_ENDPOINTS} PutRecords (streams × signers) = ` +
        `${LOGGING_BACKEND_REQUESTS + 1} backend requests, more than the ${LOGGING_BACKEND_REQUESTS} Compute leaves after the origin fetch (32 per execution); share roles or streams between endpoints`,
    ]);
  });

  it('with a role per endpoint and a stream each, fits 15 endpoints and refuses the 16th', () => {
    expect(load(configuration(15, 15)).errors).toEqual([]);
    const config = load(configuration(16, 16));
    expect(config.endpoints).toHaveLength(15);
    expect(config.errors[0].message).toMatch(/^e15: with it, .* need 16 AssumeRole \(distinct roles\) \+ 16 PutRecords \(streams × signers\) = 32 backend requests/);
  });

  it('counts a role once for every endpoint assuming it, and a stream once per signer', () => {
    // MAX_ENDPOINTS endpoints, one role, one stream: 1 + 1.
    const flat = configuration(MAX_ENDPOINTS, 1);
    for (let i = 0; i < MAX_ENDPOINTS; i++) flat[`e${i}.stream_name`] = 'shared';
    expect(load(flat).errors).toEqual([]);
  });

  it('is what the configuration reference says', () => {
    const page = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    expect(page).toContain(`a service can have up to ${MAX_ENDPOINTS} endpoints`);
    expect(page).toContain(`${MAX_ENDPOINTS} endpoints on ${MAX_ENDPOINTS} streams with up to ${largestRoles} distinct roles`);
  });
});
