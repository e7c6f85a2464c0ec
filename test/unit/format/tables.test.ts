/**
 * table.lookup and friends over Config Stores: the table functions' semantics (tables read
 * through RenderOptions.tables), and TableCache's two promises: what an instance has read is not
 * read again, and one execution never makes more store reads than it was allowed.
 */
import { describe, expect, it } from 'vitest';
import { factsFromVclJson } from '../../../src/format/facts-from-vcl.js';
import { compileFormat, TableCache } from '../../../src/format/index.js';

/** Config Stores by name, counting every open and read; a missing store throws like Compute's. */
function stores(contents: Record<string, Record<string, string>>) {
  const counts = { opens: 0, reads: 0 };
  const open = (name: string) => {
    counts.opens++;
    const items = contents[name];
    if (!items) throw new TypeError(`ConfigStore constructor: No ConfigStore named '${name}' exists`);
    return {
      get: (key: string) => {
        counts.reads++;
        return items[key] ?? null;
      },
    };
  };
  return { open, counts };
}

const TABLES = {
  redirects: { '/old': '/new', flag: 'true', limit: '0x10', ratio: '0.25', ttl: '1.5m', origin: '192.0.2.1', bad_int: '12abc' },
};

function render(format: string, lookupsAllowed = 32, facts: Record<string, string> = {}) {
  const { open, counts } = stores(TABLES);
  const execution = new TableCache(open).forExecution(lookupsAllowed);
  const line = compileFormat(format).render(factsFromVclJson({ 'req.url': '/old', ...facts }), undefined, { tables: execution.lookup });
  return { line, execution, counts };
}

describe('table functions', () => {
  it('table.lookup: the value, else the default, else not set', () => {
    expect(render('%{table.lookup(redirects, req.url)}V %{table.lookup(redirects, "/nope", "none")}V %{table.lookup(redirects, "/nope")}V').line).toBe('/new none (null)');
  });

  it('table.contains', () => {
    expect(render('%{table.contains(redirects, "/old")}V%{table.contains(redirects, "/nope")}V').line).toBe('10');
  });

  it('typed lookups parse the stored text, and fall back to the default when it does not parse', () => {
    const { line } = render(
      '%{table.lookup_bool(redirects, "flag", false)}V %{table.lookup_integer(redirects, "limit", 1)}V %{table.lookup_integer(redirects, "bad_int", 7)}V ' +
        '%{table.lookup_float(redirects, "ratio", 1.0)}V %{table.lookup_rtime(redirects, "ttl", 1s)}V %{table.lookup_ip(redirects, "origin", "0.0.0.0")}V %{table.lookup_integer(redirects, "none", -1)}V',
    );
    expect(line).toBe('1 16 7 0.250 90.000 192.0.2.1 -1');
  });

  it('a table with no Config Store behind it gives the defaults, and is reported as unavailable', () => {
    const { line, execution } = render('%{table.lookup(missing, "k", "dflt")}V %{table.contains(missing, "k")}V');
    expect(line).toBe('dflt 0');
    expect([...execution.unavailable.keys()]).toEqual(['missing']);
    expect(execution.unavailable.get('missing')).toMatch(/No ConfigStore named 'missing'/);
  });

  it('keys a Config Store cannot hold are absent, without a read', () => {
    const { line, counts } = render('%{table.lookup(redirects, req.http.X-Long, "dflt")}V', 32, { 'req.http.X-Long': 'k'.repeat(300) });
    expect(line).toBe('dflt');
    expect(counts.reads).toBe(0);
  });

  it('without tables (the preview CLI, the admin page) every lookup gives its default', () => {
    expect(compileFormat('%{table.lookup(redirects, "/old", "dflt")}V').render(factsFromVclJson({}))).toBe('dflt');
  });
});

describe('TableCache', () => {
  it('reads each (table, key) once per instance, also when the key is absent', () => {
    const { open, counts } = stores(TABLES);
    const cache = new TableCache(open);
    for (let execution = 0; execution < 3; execution++) {
      const { lookup } = cache.forExecution(32);
      expect([lookup('redirects', '/old'), lookup('redirects', '/nope'), lookup('redirects', '/old')]).toEqual(['/new', null, '/new']);
    }
    expect(counts.reads).toBe(2);
  });

  it('never makes more store calls in one execution than it is allowed, opening included', () => {
    const { open, counts } = stores({ t: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, `v${i}`])) });
    const cache = new TableCache(open);
    const first = cache.forExecution(10);
    const values = Array.from({ length: 100 }, (_, i) => first.lookup('t', `k${i}`));
    // One open and nine reads fit in ten; the other 91 distinct keys are refused, not read.
    expect(counts.opens + counts.reads).toBe(10);
    expect(first.reads).toBe(10);
    expect(first.refused).toBe(91);
    expect(values.filter((v) => v !== undefined)).toEqual(Array.from({ length: 9 }, (_, i) => `v${i}`));
    // The next execution reads the next keys: the first nine are cached and cost nothing.
    const second = cache.forExecution(10);
    expect(second.lookup('t', 'k0')).toBe('v0');
    expect(second.lookup('t', 'k9')).toBe('v9');
    expect(second.reads).toBe(2);
  });

  it('an execution with no lookup left still answers from the cache', () => {
    const { open } = stores(TABLES);
    const cache = new TableCache(open);
    cache.forExecution(32).lookup('redirects', '/old');
    const spent = cache.forExecution(0);
    expect(spent.lookup('redirects', '/old')).toBe('/new');
    expect(spent.lookup('redirects', 'flag')).toBeUndefined();
    expect(spent.refused).toBe(1);
  });

  it('remembers a store that cannot be opened for the instance', () => {
    const { open, counts } = stores({});
    const cache = new TableCache(open);
    cache.forExecution(32).lookup('missing', 'a');
    const later = cache.forExecution(32);
    expect(later.lookup('missing', 'b')).toBeUndefined();
    expect(counts.opens).toBe(1);
    expect(later.reads).toBe(0);
    expect(later.unavailable.has('missing')).toBe(true);
  });

  it('forgets everything at once when full', () => {
    const { open, counts } = stores({ t: { a: '1', b: '2', c: '3' } });
    const cache = new TableCache(open, 2);
    const { lookup } = cache.forExecution(32);
    lookup('t', 'a');
    lookup('t', 'b');
    lookup('t', 'c'); // full: cleared, then c stored
    lookup('t', 'a');
    expect(counts.reads).toBe(4);
  });
});
