/**
 * `import` (and `check`) read files a user may not have written: a VCL service's endpoints, a
 * colleague's configuration. Whatever they hold, what is printed is safe to read in a terminal and
 * to paste into a shell: no argument a command would read as an option, no terminal control
 * character, and no JavaScript prototype's members taken for the input's own.
 */
import { describe, expect, it } from 'vitest';
import { loadServiceConfig } from '../../../src/config/index.js';
import { cli } from './run-cli.js';

/** What a terminal acts on: C0 controls but tab and newline, DEL, C1 controls, bidirectional controls. */
const TERMINAL_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/** Escape sequences: clear the screen, set the window title, a one-character CSI, a right-to-left override, a carriage return. */
const ESCAPES = ['\u001b[2J', '\u001b]0;owned\u0007', '\u009b31m', '\u202etxt.exe', 'ok\rFAKE'];

interface ImportJson {
  items: Record<string, string | Record<string, string>>;
  secrets: { key: string; what: string; command: string }[];
  endpoints: { name: string; vcl_name: string; mapped: string[]; notes: string[] }[];
  refused: { vcl_name: string; reason: string }[];
}

function runImport(endpoints: unknown[], ...flags: string[]) {
  const files = { 'k.json': JSON.stringify(endpoints) };
  return { text: cli(['import', 'k.json', ...flags], files), json: cli(['import', 'k.json', '--json', ...flags], files) };
}

/** The words of each printed `fastly …` command, as a POSIX shell would split them (single quotes only, as import writes). */
function commandWords(out: string): string[][] {
  return out
    .split('\n')
    .filter((line) => line.trimStart().startsWith('fastly '))
    .map((line) => {
      const words: string[] = [];
      const pattern = /(?:[^\s']+|'(?:[^']|'\\'')*')+/g;
      for (const match of line.replace(/\s+#.*$/, '').matchAll(pattern)) words.push(match[0].replace(/'\\''/g, "'").replace(/'/g, ''));
      return words;
    });
}

describe('import of hostile input', () => {
  it('never prints a command argument that reads as an option: names starting with - are renamed, values passed as --key=…', () => {
    const { text, json } = runImport([
      { name: '--help', topic: 's', region: 'us-east-1' },
      { name: '-x', topic: 's', region: 'us-east-1' },
      { name: '-', topic: 's', region: 'us-east-1' },
    ]);
    const result = JSON.parse(json.out) as ImportJson;
    expect(result.endpoints.map((e) => e.name)).toEqual(['_-help', '_x', 'endpoint']);
    expect(loadServiceConfig({ get: (key) => (Object.hasOwn(result.items, key) ? (typeof result.items[key] === 'string' ? (result.items[key] as string) : JSON.stringify(result.items[key])) : null) }).errors).toEqual([]);
    const commands = commandWords(text.out);
    expect(commands.length).toBe(4 + 6);
    for (const words of commands) {
      // fastly, the command's two words, then only options this tool wrote: --flag or --flag=value.
      for (const word of words.slice(3)) {
        if (word === '$CONFIG_STORE_ID' || word === '$SECRET_STORE_ID' || word === '"$CONFIG_STORE_ID"' || word === '"$SECRET_STORE_ID"') continue;
        expect(word, words.join(' ')).toMatch(/^--(?:upsert|store-id|key=[^-].*|value=.*|name=[^-].*)$/);
      }
    }
    expect(text.out).toContain('--key=_-help --value=');
    expect(text.out).toContain('--name=_x.access_key_id');
  });

  it('prints no terminal control character from names, fields, values or conditions, as text or JSON', () => {
    for (const escape of ESCAPES) {
      const endpoints = [
        { name: `logs${escape}`, topic: 's', region: 'us-east-1', format: `%h ${escape} %>s` },
        { name: 'region', topic: 's', region: escape },
        { name: 'placement', topic: 's', region: 'us-east-1', placement: escape },
        { name: 'version', topic: 's', region: 'us-east-1', format_version: escape },
        { name: 'processing', topic: 's', region: 'us-east-1', log_processing_region: escape },
        { name: 'deleted', topic: 's', region: 'us-east-1', deleted_at: escape },
        { name: 'field', topic: 's', region: 'us-east-1', [`x${escape}`]: 'y' },
        { name: 'condition', topic: 's', region: 'us-east-1', response_condition: escape },
        { name: escape, topic: 's', region: 'us-east-1' },
      ];
      const { text, json } = runImport(endpoints);
      expect(text.code, JSON.stringify(escape)).toBe(1);
      expect(text.out + text.err).not.toMatch(TERMINAL_CONTROL);
      expect(json.out + json.err).not.toMatch(TERMINAL_CONTROL);
      // The JSON is still the data: the format keeps its escape, written as a JSON escape.
      const result = JSON.parse(json.out) as ImportJson;
      const logs = result.endpoints.find((e) => e.vcl_name.startsWith('logs') || e.vcl_name.startsWith('#0'))!;
      expect((result.items[logs.name] as Record<string, string>).format).toBe(`%h ${escape} %>s`);
    }
  });

  it('reads toString, __proto__ and constructor as fields and names like any other', () => {
    const { text, json } = runImport([
      { name: 'toString', topic: 's', region: 'us-east-1', toString: 'a', constructor: 'b', valueOf: 'c', hasOwnProperty: 'd' },
      JSON.parse('{"name": "__proto__", "topic": "s", "region": "us-east-1", "__proto__": {"topic": "injected", "secret_key": "x"}}'),
      { name: 'constructor', topic: 's', region: 'us-east-1' },
    ]);
    const printed = text.out + text.err + json.out + json.err;
    expect(printed).not.toMatch(/native code|function |\[object Object\]|injected/);
    const result = JSON.parse(json.out) as ImportJson;
    expect(json.code).toBe(0);
    expect(result.endpoints.map((e) => e.name)).toEqual(['toString', '__proto___2', 'constructor']);
    expect(result.endpoints[0].notes).toEqual(
      expect.arrayContaining(['toString: not a field of Fastly\'s Kinesis endpoint known to this tool; ignored', 'hasOwnProperty: not a field of Fastly\'s Kinesis endpoint known to this tool; ignored']),
    );
    expect(result.endpoints[1].notes).toContain('__proto__: not a field of Fastly\'s Kinesis endpoint known to this tool; ignored');
    expect(result.items).toMatchObject({ endpoints: 'toString,__proto___2,constructor', toString: { stream_name: 's' } });
  });

  it('refuses --waf-corp and --waf-workspace values that are not plain names', () => {
    const endpoints = [{ name: 'w', topic: 's', region: 'us-east-1', placement: 'waf_debug' }];
    for (const bad of ['-rf', 'a b', `corp${ESCAPES[0]}`]) {
      const { text } = runImport(endpoints, `--waf-corp=${bad}`, '--waf-workspace', 'prod');
      expect(text.code).toBe(2);
      expect(text.err).toMatch(/^import: --waf-corp must be 1-255 of A-Z a-z 0-9 _ \. - \(not starting with -\)\n/);
    }
  });
});

describe('check of hostile input', () => {
  it('reads items named toString, constructor or __proto__ as items, not as the prototype\'s members', () => {
    const items = '{"endpoints": "toString,constructor,main", "main": {"stream_name": "s", "region": "us-east-1"}, "__proto__": "x"}';
    const result = cli(['check', 'c.json'], { 'c.json': items });
    expect(result.err).not.toMatch(/native code|not JSON/);
    expect(result.err).toContain('✗ toString: missing: an item "toString" holding the endpoint\'s settings as JSON');
    expect(result.err).toContain('✗ constructor: missing: an item "constructor"');
    expect(result.out).toContain('read c.json (3 items)');
  });

  it('prints no terminal control character of the input, as text or JSON', () => {
    for (const escape of ESCAPES) {
      const items = JSON.stringify({ endpoints: 'main', main: { stream_name: 's', region: 'us-east-1', format: `%{${escape}`, placement: escape } });
      for (const flags of [[], ['--json']]) {
        const result = cli(['check', 'c.json', ...flags], { 'c.json': items });
        expect(result.code).toBe(1);
        expect(result.out + result.err, JSON.stringify(escape)).not.toMatch(TERMINAL_CONTROL);
      }
    }
  });
});
