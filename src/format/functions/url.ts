/**
 * url.normalize (https://www.fastly.com/documentation/reference/vcl/functions/strings/url-normalize/):
 * RFC 3986 §6.2.2 syntax-based normalization of a URL or path.
 *
 * Owns: the steps, in order: the fragment is dropped; for http and https URLs without user
 * information, the scheme and host are lower-cased, the scheme's default port (80, 443) is
 * dropped and an empty path becomes `/`; in the path, percent-encodings get upper-case hex
 * digits, those of unreserved characters (A-Z a-z 0-9 - . _ ~) are decoded, and `.` and `..`
 * segments are removed (§5.2.4). The query is kept as written. Other schemes, user
 * information and authorities that do not parse (`http://[::1`) are left as they are.
 * [I] The page was not read whole; these cases are the falco simulator's, which match RFC 3986.
 */
import { unary, type FunctionDef } from './define.js';

const DEFAULT_PORT: Record<string, string> = { http: '80', https: '443' };
const ABSOLUTE = /^(https?):\/\/([^/?#]*)(.*)$/i;
const AUTHORITY = /^(\[[0-9a-fA-F:.]+\]|[^:[\]@]*)(?::(\d*))?$/;

/** RFC 3986 §5.2.4 remove_dot_segments. */
function removeDotSegments(path: string): string {
  const out: string[] = [];
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    const last = i === segments.length - 1;
    if (segment === '.' || segment === '..') {
      if (segment === '..' && out.length > 1) out.pop();
      if (last) out.push('');
      continue;
    }
    out.push(segment);
  }
  return out.join('/');
}

/** Upper-case hex in every %XX, and the unreserved characters decoded. */
function normalizePercents(path: string): string {
  return path.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(c) ? c : `%${hex.toUpperCase()}`;
  });
}

function normalizePath(pathAndQuery: string): string {
  const q = pathAndQuery.indexOf('?');
  const path = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  const query = q < 0 ? '' : pathAndQuery.slice(q);
  return removeDotSegments(normalizePercents(path)) + query;
}

function normalizeUrl(url: string): string {
  const hash = url.indexOf('#');
  const text = hash < 0 ? url : url.slice(0, hash);
  if (text.startsWith('/') && !text.startsWith('//')) return normalizePath(text);
  const m = ABSOLUTE.exec(text);
  const authority = m && AUTHORITY.exec(m[2]);
  if (!m || !authority) return text;
  const scheme = m[1].toLowerCase();
  const port = authority[2] && authority[2] !== DEFAULT_PORT[scheme] ? `:${authority[2]}` : '';
  return `${scheme}://${authority[1].toLowerCase()}${port}${normalizePath(m[3] || '/')}`;
}

export const URL_FUNCTIONS: Record<string, FunctionDef> = {
  'url.normalize': unary(normalizeUrl),
};
