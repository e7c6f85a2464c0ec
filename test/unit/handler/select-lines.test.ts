import { describe, expect, it } from 'vitest';
import { loadServiceConfig } from '../../../src/config/load.js';
import type { RequestFacts } from '../../../src/facts/request-facts.js';
import { prepareRecords } from '../../../src/delivery/prepare.js';
import { isSampled, sampleFraction, selectLines, type Trigger } from '../../../src/handler/select-lines.js';
import { configItems, FakeConfig } from '../../../src/testing/memory-stores.js';
import { kinesisEndpoint } from '../../support/endpoints.js';
import { seededRandom } from '../../../src/testing/seeded-random.js';

function facts(overrides: Partial<RequestFacts> = {}): RequestFacts {
  return {
    timeStartUs: 1_709_647_629_123_456,
    timeEndUs: 1_709_647_629_170_789,
    method: 'GET',
    url: '/api/items?id=3',
    proto: 'HTTP/1.1',
    isSsl: true,
    requestHeaders: [['Cookie', 'session=abc']],
    status: 503,
    responseHeaders: [],
    responseBodyBytes: 10,
    server: {},
    tls: {},
    requestId: 'req-0001',
    ...overrides,
  };
}

function endpoints(items: Record<string, string>) {
  const config = loadServiceConfig(new FakeConfig(configItems(items)));
  expect(config.errors.map((e) => e.message)).toEqual([]);
  return config.endpoints;
}

const base = (name: string, extra: Record<string, string> = {}) => ({
  [`${name}.stream_name`]: 'logs',
  [`${name}.region`]: 'us-east-1',
  [`${name}.format`]: `${name} %U`,
  ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`${name}.${k}`, v])),
});

const RESPONSE = new Set<Trigger>(['response']);
const random = seededRandom(11);

describe('selectLines', () => {
  it('bounds rendering by max_record_bytes: the line is oversize for delivery and the part is reported', async () => {
    const list = endpoints({
      endpoints: 'big',
      ...base('big', { format: '%{regsuball(regsuball(req.url, "a", "aaaaaaaaaa"), "a", "aaaaaaaaaa")}V', max_record_bytes: '2048' }),
    });
    const { lines, problems } = selectLines(list, facts({ url: `/${'a'.repeat(100)}` }), RESPONSE, random);
    expect(lines[0].line.length).toBe(2049);
    expect(problems.map((p) => p.problem)).toEqual([
      'part 1 of the format grew past max_record_bytes (2048) and rendering stopped there; the line is oversize (oversize=truncate)',
    ]);
    const prepared = await prepareRecords([lines[0].line], kinesisEndpoint(list[0]).delivery);
    expect(prepared.records[0].truncated).toBe(true);
  });

  it("bounds rendering by the bound delivery gives (the stream's maximum record size once known)", () => {
    const list = endpoints({ endpoints: 'big', ...base('big', { format: '%{regsuball(req.url, "a", "aaaaaaaaaa")}V' }) });
    const url = `/${'a'.repeat(200_000)}`;
    const bounded = selectLines(list, facts({ url }), RESPONSE, random);
    expect(bounded.lines[0].line.length).toBe(1024 * 1024 + 1);
    expect(bounded.problems.map((p) => p.problem)).toEqual([expect.stringMatching(/grew past max_record_bytes \(1048576\)/)]);
    const raised = selectLines(list, facts({ url }), RESPONSE, random, undefined, () => 10 * 1024 * 1024);
    expect(raised.lines[0].line.length).toBe(2_000_001);
    expect(raised.problems).toEqual([]);
  });

  it('logs format_version_default endpoints after the response, never none or unflagged waf_debug', () => {
    const list = endpoints({
      endpoints: 'a,quiet,waf',
      ...base('a'),
      ...base('quiet', { placement: 'none' }),
      ...base('waf', { placement: 'waf_debug' }),
      waf_corp: 'corp',
      waf_workspace: 'ws',
    });
    expect(selectLines(list, facts(), RESPONSE, random).lines.map((l) => l.line)).toEqual(['a /api/items']);
    expect(selectLines(list, facts(), new Set<Trigger>(['response', 'waf_flagged']), random).lines.map((l) => l.line)).toEqual(['a /api/items', 'waf /api/items']);
  });

  it('applies response conditions with the format engine', () => {
    const list = endpoints({
      endpoints: 'errors,api,nocookie,both',
      ...base('errors', { response_condition: 'resp.status >= 500' }),
      ...base('api', { response_condition: 'req.url ~ "^/api/"' }),
      ...base('nocookie', { response_condition: '!req.http.Cookie' }),
      ...base('both', { response_condition: '(resp.status >= 500 && req.is_ssl) || req.method == "POST"' }),
    });
    expect(selectLines(list, facts(), RESPONSE, random).lines.map((l) => l.endpoint.name)).toEqual(['errors', 'api', 'both']);
    expect(selectLines(list, facts({ status: 200, url: '/home', requestHeaders: [] }), RESPONSE, random).lines.map((l) => l.endpoint.name)).toEqual([
      'nocookie',
    ]);
  });

  it('samples by request id: the same ids for the same rate, a superset for a higher rate', () => {
    const list = endpoints({ endpoints: 'one,two,ten', ...base('one', { sample_rate: '0.1' }), ...base('two', { sample_rate: '0.1' }), ...base('ten', { sample_rate: '0.5' }) });
    let kept = { one: 0, two: 0, ten: 0 };
    for (let i = 0; i < 2000; i++) {
      const names = selectLines(list, facts({ requestId: `id-${i}` }), RESPONSE, random).lines.map((l) => l.endpoint.name);
      expect(names.includes('one')).toBe(names.includes('two'));
      if (names.includes('one')) expect(names).toContain('ten');
      for (const n of names) kept = { ...kept, [n]: kept[n as keyof typeof kept] + 1 };
    }
    expect(kept.one / 2000).toBeGreaterThan(0.07);
    expect(kept.one / 2000).toBeLessThan(0.13);
    expect(kept.ten / 2000).toBeGreaterThan(0.45);
    expect(kept.ten / 2000).toBeLessThan(0.55);
  });

  it('maps ids to [0, 1) deterministically', () => {
    expect(sampleFraction('abc')).toBe(sampleFraction('abc'));
    expect(sampleFraction('abc')).not.toBe(sampleFraction('abd'));
    const fractions = Array.from({ length: 5000 }, (_, i) => sampleFraction(`req-${i}`));
    expect(Math.min(...fractions)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...fractions)).toBeLessThan(1);
    // Spread over the whole interval, not bunched at one end: every tenth gets its share.
    const tenths = new Array(10).fill(0);
    for (const f of fractions) tenths[Math.floor(f * 10)]++;
    for (const count of tenths) expect(count).toBeGreaterThan(400);
    expect(isSampled('anything', 1, random)).toBe(true);
  });

  it('samples a request without an id by the randomness it is given', () => {
    expect(isSampled(undefined, 0.5, () => 0.49)).toBe(true);
    expect(isSampled(undefined, 0.5, () => 0.5)).toBe(false);
  });

  it('sends the line of a format whose part failed, and names the part as a problem', () => {
    const [endpoint] = endpoints({ endpoints: 'a', ...base('a') });
    const failing = {
      ...endpoint,
      format: {
          source: 'x %{broken}V y',
          factsRead: new Set<never>(),
          render: (_facts: RequestFacts, onPartError?: (error: unknown, part: number) => void) => {
            onPartError?.(new Error('boom'), 0);
          return 'x  y';
        },
      },
    };
    const { lines, problems } = selectLines([failing], facts(), RESPONSE, random);
    expect(lines.map((l) => l.line)).toEqual(['x  y']);
    expect(problems.map((p) => p.problem)).toEqual(['part 1 of the format failed (boom); it rendered as ""']);
    expect(selectLines(endpoints({ endpoints: 'a', ...base('a') }), facts(), RESPONSE, random).problems).toEqual([]);
  });
});

describe('endpoint settings for selection', () => {
  it('rejects a condition that does not parse, with its position', () => {
    const config = loadServiceConfig(new FakeConfig(configItems({ endpoints: 'a', ...base('a', { response_condition: 'resp.status >=' }) })));
    expect(config.endpoints).toEqual([]);
    expect(config.errors[0].message).toMatch(/^a\.response_condition: .* at line 1, column \d+\n/);
    expect(config.errors[0].message).toContain('^');
  });

  it('rejects sampling rates outside (0, 1]', () => {
    for (const rate of ['0', '1.5', 'half', '-0.1']) {
      const config = loadServiceConfig(new FakeConfig(configItems({ endpoints: 'a', ...base('a', { sample_rate: rate }) })));
      expect(config.errors.map((e) => e.message)).toEqual([`a.sample_rate: "${rate}" is not a rate above 0 and at most 1 (e.g. 0.01 for 1%)`]);
    }
  });

  it('disables waf_debug endpoints without Next-Gen WAF settings, and says which keys', () => {
    const config = loadServiceConfig(new FakeConfig(configItems({ endpoints: 'a,w', ...base('a'), ...base('w', { placement: 'waf_debug' }) })));
    expect(config.endpoints.map((e) => e.name)).toEqual(['a']);
    expect(config.errors.map((e) => e.message)).toEqual(['w.placement: waf_debug needs Next-Gen WAF inspection: set the service keys waf_corp and waf_workspace']);
    const half = loadServiceConfig(new FakeConfig(configItems({ endpoints: 'a', ...base('a'), waf_corp: 'corp' })));
    expect(half.errors.map((e) => e.message)).toEqual(['service: waf_workspace: missing: waf_corp and waf_workspace go together (Next-Gen WAF inspection)']);
  });
});

describe('waf.* variables', () => {
  it('render the Next-Gen WAF inspection, and read as not set without one', () => {
    const list = endpoints({ endpoints: 'w', ...base('w', { format: '%{waf.verdict}V [%{waf.tags}V] %{waf.decision_ms}V %{waf.response}V %{waf.redirect_url}V' }) });
    const flagged = facts({ waf: { verdict: 'block', tags: ['XSS', 'SQLI'], decisionMs: 3, wafResponse: 406 } });
    expect(selectLines(list, flagged, RESPONSE, random).lines[0].line).toBe('block [XSS,SQLI] 3 406 (null)');
    expect(selectLines(list, facts(), RESPONSE, random).lines[0].line).toBe('(null) [(null)] (null) (null) (null)');
  });
});
