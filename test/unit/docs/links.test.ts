/**
 * Every relative link in README.md and docs/**\/*.md resolves: the file or folder exists, and a
 * `#anchor` names a heading of the target page (GitHub's slugs) or an `<a id>` in it. Links to
 * other sites are not fetched. Code (fenced blocks and inline code) is not read for links.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchorsOf, linksOf } from '../../support/markdown-links.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return markdownFiles(full);
    return name.endsWith('.md') ? [full] : [];
  });
}

const PAGES = [path.join(ROOT, 'README.md'), ...markdownFiles(path.join(ROOT, 'docs'))];

const anchorCache = new Map<string, Set<string>>();
function anchorsIn(file: string): Set<string> {
  let anchors = anchorCache.get(file);
  if (!anchors) anchorCache.set(file, (anchors = anchorsOf(readFileSync(file, 'utf8'))));
  return anchors;
}

/** Why `target` (as written in `page`) does not resolve, or undefined when it does. */
function brokenBecause(page: string, target: string): string | undefined {
  const [pathPart = '', anchor] = target.split('#', 2);
  const file = pathPart === '' ? page : path.resolve(path.dirname(page), decodeURIComponent(pathPart));
  if (!file.startsWith(ROOT)) return 'points outside the repository';
  if (!existsSync(file)) return 'no such file';
  if (anchor === undefined || anchor === '') return undefined;
  if (!file.endsWith('.md')) return undefined;
  return anchorsIn(file).has(decodeURIComponent(anchor)) ? undefined : `no heading or anchor "#${anchor}" in ${path.relative(ROOT, file)}`;
}

describe('relative links in README.md and docs/', () => {
  it('finds the pages', () => {
    expect(PAGES.map((p) => path.relative(ROOT, p))).toEqual(expect.arrayContaining(['README.md', 'docs/vcl-functions.md']));
  });

  for (const page of PAGES) {
    it(`every link of ${path.relative(ROOT, page)} resolves`, () => {
      const broken = linksOf(readFileSync(page, 'utf8'))
        .filter((link) => !/^[a-z][a-z0-9+.-]*:/i.test(link.target))
        .map((link) => ({ ...link, why: brokenBecause(page, link.target) }))
        .filter((link) => link.why !== undefined)
        .map((link) => `line ${link.line}: (${link.target}) ${link.why}`);
      expect(broken).toEqual([]);
    });
  }
});
