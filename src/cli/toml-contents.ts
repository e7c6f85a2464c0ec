/**
 * Reads the kinesis_logger Config Store contents out of a fastly.toml, the way Viceroy's
 * `[local_server]` inline-toml holds them: enough TOML for a table of string items, not a
 * general TOML parser. Used by `check` and by the tests that edit the local configuration.
 */
import { CONFIG_STORE_NAME } from '../config/index.js';

export const CONTENTS_TABLE = `[local_server.config_stores.${CONFIG_STORE_NAME}.contents]`;

/**
 * The `key = value` entries of the kinesis_logger config store contents table. Values are TOML
 * strings as Viceroy's inline-toml takes them: basic ("…", escapes read as JSON reads them),
 * literal ('…', as is) or multi-line literal ('''…'''), the usual way to write an endpoint's JSON.
 */
export function readConfigStoreContents(text: string): Record<string, string> {
  const header = CONTENTS_TABLE;
  const start = text.indexOf(header);
  if (start < 0) throw new Error(`no ${header} table`);
  const entry = /\s*(?:#[^\n]*)?(?:\n|$)|\s*("(?:[^"\\\n]|\\.)*"|[A-Za-z0-9_.-]+)\s*=\s*('''[\s\S]*?'''|'[^'\n]*'|"(?:[^"\\\n]|\\.)*")[ \t]*(?:#[^\n]*)?(?:\n|$)/y;
  const items: Record<string, string> = {};
  entry.lastIndex = start + header.length;
  while (entry.lastIndex < text.length) {
    const at = entry.lastIndex;
    if (/^\s*\[/.test(text.slice(at, at + 200))) break; // the next table
    const match = entry.exec(text);
    if (!match || match[0] === '') throw new Error(`cannot read line: ${text.slice(at).trim().split('\n')[0]}`);
    if (!match[1]) continue; // blank line or comment
    const key = match[1].startsWith('"') ? (JSON.parse(match[1]) as string) : match[1];
    items[key] = tomlString(match[2]);
  }
  return items;
}

function tomlString(token: string): string {
  if (token.startsWith("'''")) return token.slice(3, -3).replace(/^\r?\n/, ''); // TOML drops a newline right after the opening quotes
  if (token.startsWith("'")) return token.slice(1, -1);
  return JSON.parse(token) as string;
}
