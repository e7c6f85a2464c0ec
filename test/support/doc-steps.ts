/**
 * The code a documentation page shows under one heading, so that a test can follow the page's own
 * steps instead of a copy that drifts from it: the fenced code blocks (``` or ~~~, CommonMark) of
 * the section, with their info string (`ts`, `toml`, `sh`), in page order. The section runs from
 * the heading to the next heading of the same or a higher level.
 *
 * It reads, it does not judge: a test says which blocks it expects and fails when they are not there.
 */
import { readFileSync } from 'node:fs';

export interface CodeBlock {
  /** The info string's first word (`ts`, `toml`, `sh`), or '' for a bare fence. */
  lang: string;
  /** The block's lines, with the fence's indentation removed, ending with a newline. */
  text: string;
  /** 1-based line of the opening fence, for messages. */
  line: number;
}

const HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^( {0,3})(`{3,}|~{3,})[ \t]*([^`\s]*)[^`]*$/;

/** Every fenced code block under `heading` (its text, without the #s) in the markdown `text`. */
export function codeBlocksUnder(markdown: string, heading: string): CodeBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  let sectionLevel: number | undefined;
  let fence: { indent: number; marker: string; block: CodeBlock; body: string[] } | undefined;
  for (const [index, line] of lines.entries()) {
    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
      if (close && close[1][0] === fence.marker[0] && close[1].length >= fence.marker.length) {
        fence.block.text = fence.body.map((l) => l + '\n').join('');
        if (sectionLevel !== undefined) blocks.push(fence.block);
        fence = undefined;
      } else {
        fence.body.push(line.replace(new RegExp(`^ {0,${fence.indent}}`), ''));
      }
      continue;
    }
    const opening = FENCE.exec(line);
    if (opening) {
      fence = { indent: opening[1].length, marker: opening[2], block: { lang: opening[3], text: '', line: index + 1 }, body: [] };
      continue;
    }
    const title = HEADING.exec(line);
    if (!title) continue;
    const level = title[1].length;
    if (sectionLevel !== undefined && level <= sectionLevel) break;
    if (sectionLevel === undefined && title[2] === heading) sectionLevel = level;
  }
  if (sectionLevel === undefined) throw new Error(`no heading "${heading}"`);
  return blocks;
}

/** The blocks of one kind (`lang`) under `heading` in the markdown file at `file`. */
export function docBlocks(file: string, heading: string, lang: string): string[] {
  const blocks = codeBlocksUnder(readFileSync(file, 'utf8'), heading).filter((b) => b.lang === lang);
  if (blocks.length === 0) throw new Error(`${file}: no \`\`\`${lang} block under "${heading}"`);
  return blocks.map((b) => b.text);
}

/**
 * The commands of `sh` blocks: one per line, comments (`# …` at the start or after whitespace) and
 * blank lines dropped. Lines continued with a trailing backslash are joined.
 */
export function shellCommands(blocks: string[]): string[] {
  const commands: string[] = [];
  for (const block of blocks) {
    let pending = '';
    for (const raw of block.split('\n')) {
      const line = raw.replace(/(^|\s)#.*$/, '').trimEnd();
      if (line.endsWith('\\')) {
        pending += line.slice(0, -1);
        continue;
      }
      const command = (pending + line).trim();
      pending = '';
      if (command) commands.push(command);
    }
  }
  return commands;
}
