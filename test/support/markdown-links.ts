/**
 * The links and anchors of a Markdown page, as GitHub renders it: enough of CommonMark for the
 * docs' link check (test/unit/docs/links.test.ts). Fenced code blocks and inline code hold no links.
 */

/** A link target as written, with its 1-based line. */
export interface MarkdownLink {
  target: string;
  line: number;
}

/** Each line, and whether it lies in a fenced code block (the fences included). */
function linesWithFences(markdown: string): { text: string; inFence: boolean }[] {
  let fence: string | undefined;
  return markdown.split('\n').map((text) => {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(text)?.[1];
    if (fence !== undefined) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      return { text, inFence: true };
    }
    if (marker) fence = marker;
    return { text, inFence: marker !== undefined };
  });
}

/** The page's lines with code blanked out: fenced blocks whole, inline code spans by their text. */
function proseLines(markdown: string): string[] {
  return linesWithFences(markdown).map(({ text, inFence }) => (inFence ? '' : text.replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, '')));
}

/** Inline links and images `[text](target "title")`, `<target>` forms, and reference definitions `[x]: target`. */
export function linksOf(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  proseLines(markdown).forEach((text, index) => {
    for (const match of text.matchAll(/\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ target: match[1]!.replace(/^<|>$/g, ''), line: index + 1 });
    }
    const definition = /^\s{0,3}\[[^\]]+\]:\s*(\S+)/.exec(text);
    if (definition) links.push({ target: definition[1]!.replace(/^<|>$/g, ''), line: index + 1 });
  });
  return links;
}

/** GitHub's anchor for a heading's text: inline markup dropped, lower case, punctuation removed, spaces to hyphens. */
export function slugOf(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/`/g, '')
    .replace(/\*+/g, '');
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a link may name in this page: headings (duplicates get -1, -2, …) and `<a id|name="…">`. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text, inFence } of linesWithFences(markdown)) {
    if (inFence) continue;
    for (const match of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1]!);
    const heading = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(text);
    if (!heading) continue;
    const base = slugOf(heading[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}
