/**
 * The format playground (playground/dist/, built by `npm run build:playground`) in a real browser:
 * Debian's Chromium driven by playwright-core, the page served from 127.0.0.1 as any static host
 * would serve it. Every expected line and message is computed here, in Node, by the same engine
 * (src/library/format.ts, src/json/syntax-error.ts), so the test says "the page shows what the
 * engine and the CLI say", not a copy of today's output.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatErrorAt } from '../../src/format/errors.js';
import { findJsonSyntaxError } from '../../src/json/syntax-error.js';
import { compileFormat, DATADOG_DEFAULT_FORMAT, factsFromVcl, FormatError } from '../../src/library/format.js';
import { DEFAULT_FACTS, FACTS_PRESETS } from '../../playground/src/presets.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DIST = path.resolve('playground/dist');

let server: Server;
let base: string;
let browser: Browser;
let page: Page;
const pageErrors: Error[] = [];

/** The line the engine renders in Node for `format` and a JSON object of VCL names. */
const engineLine = (format: string, facts: object): string => compileFormat(format).render(factsFromVcl(facts));

const link = (format: string, facts?: object): string =>
  `${base}#format=${encodeURIComponent(format)}${facts ? `&facts=${encodeURIComponent(JSON.stringify(facts))}` : ''}`;

async function typeFormat(format: string): Promise<void> {
  const editor = page.locator('#format');
  await editor.fill('');
  await editor.pressSequentially(format);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}: install Debian's package (apt-get install -y chromium), or set CHROMIUM_PATH`);
  }
  const bundle = path.join(DIST, 'playground.js');
  // The page as last built: `npm run test:browser` builds it first, so `npm test` never sees a stale one.
  if (!existsSync(bundle)) throw new Error('playground/dist/ is missing: run `npm run build:playground` (npm run test:browser does)');

  server = createServer((request, response) => {
    const name = new URL(request.url ?? '/', 'http://localhost').pathname.slice(1) || 'index.html';
    const file = path.join(DIST, name);
    if (!file.startsWith(DIST + path.sep) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    const type = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' }[path.extname(file)] ?? 'application/octet-stream';
    response.writeHead(200, { 'content-type': `${type}; charset=utf-8` }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await chromium.launch({ executablePath: CHROMIUM });
  page = await browser.newPage();
  // A missing element fails in seconds, not after playwright's 30 s default.
  page.setDefaultTimeout(5_000);
  page.on('pageerror', (error) => pageErrors.push(error));
});

afterEach(() => {
  // A script error in the page fails the test that caused it.
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

describe('the format playground in Chromium', () => {
  it('carries no Node or fastly: module in its bundle', () => {
    const bundle = readFileSync(path.join(DIST, 'playground.js'), 'utf8');
    expect(bundle).not.toMatch(/["'`](?:node|fastly):[a-z-]+["'`]/);
    expect(bundle).not.toMatch(/\brequire\(/);
  });

  it('renders the format and facts of a link as the engine does', async () => {
    const format = '%h [%t] "%r" %>s %b "%{json.escape(req.http.User-Agent)}V" %{regsub(req.url, "\\?.*", "")}V %{req.http.Referer}V';
    const facts = FACTS_PRESETS.find((p) => p.label === 'Hostile headers')!.facts;
    await page.goto(link(format, facts));
    await expect.poll(() => page.textContent('#line')).toBe(engineLine(format, facts));
    expect(await page.isHidden('#error')).toBe(true);
    expect(await page.inputValue('#format')).toBe(format);
  });

  it('renders again as a format is typed, and keeps it in the link', async () => {
    await page.goto(base);
    const format = '%m %U%q %>s %{time.elapsed.msec}V ms';
    await typeFormat(format);
    await expect.poll(() => page.textContent('#line')).toBe(engineLine(format, DEFAULT_FACTS));
    expect(new URL(page.url()).hash).toBe(`#format=${encodeURIComponent(format)}`);
  });

  it('shows a format that does not compile with the engine message and a caret under the fault', async () => {
    await page.goto(base);
    const format = '%h %{req.ulr}V';
    await typeFormat(format);
    let expected = '';
    try {
      compileFormat(format);
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      expected = `format error: ${error.message}`;
    }
    expect(expected).toContain('did you mean req.url?');
    await expect.poll(() => page.isVisible('#error')).toBe(true);
    const shown = await page.textContent('#error pre');
    expect(shown).toBe(expected);
    // `req.ulr` starts at column 6: the caret sits under its first letter, in the message and in the editor.
    expect(shown!.split('\n').at(-1)).toBe(`${' '.repeat(5)}^`);
    expect(await page.textContent('#format-backdrop mark.error')).toBe('r');
    expect(await page.textContent('#line')).toBe('');
  });

  it('says where the line of a JSON format stops being JSON', async () => {
    const format = '{"status":%>s,"agent":%{req.http.User-Agent}V}';
    const facts = { 'time.start': '2024-03-05T14:07:09Z', 'req.http.User-Agent': 'curl/8.4.0' };
    await page.goto(link(format, facts));
    const line = engineLine(format, facts);
    const fault = findJsonSyntaxError(line)!;
    const { expected, found } = fault;
    const message = `the line is not JSON: ${formatErrorAt(line, fault.offset, `expected ${expected}, found ${found},`).message}`;
    await expect.poll(() => page.textContent('#line')).toBe(line);
    expect(await page.textContent('#json pre')).toBe(message);
    expect(await page.textContent('#line mark.json-fault')).toBe(line[fault.offset]);

    await typeFormat('{"status":%>s,"agent":"%{json.escape(req.http.User-Agent)}V"}');
    await expect.poll(() => page.textContent('#json')).toBe('JSON: the line parses as JSON.');
    expect(await page.locator('#line mark').count()).toBe(0);
  });

  it("puts Fastly's formats and the presets one click away", async () => {
    await page.goto(base);
    await page.getByRole('button', { name: 'Datadog default' }).click();
    const post = FACTS_PRESETS.find((p) => p.label.startsWith('POST'))!;
    await page.getByRole('button', { name: post.label }).click();
    await expect.poll(() => page.textContent('#line')).toBe(engineLine(DATADOG_DEFAULT_FORMAT, post.facts));
    expect(await page.textContent('#not-on-compute')).toContain('tls.client.ciphers_sha');
    expect(await page.textContent('#size')).toMatch(/^Size: [\d,]+ bytes \(UTF-8\) of a 1 MiB record/);
  });
});
