/**
 * PLACEHOLDER renderer (issue 2): supports only `%%`, `%m`, `%U`, `%>s`, `%s`, `%b` and
 * `%{simple.name}V`. The complete language replaces this module (issue 3).
 */
import type { RequestFacts } from '../facts/request-facts.js';
import { FormatError } from './errors.js';

export interface LogFormat {
  /** The format source this was compiled from. */
  readonly source: string;
  render(facts: RequestFacts): string;
}

type Part = (f: RequestFacts) => string;

export function compileFormat(source: string): LogFormat {
  const parts: Part[] = [];
  const re = /%(%|m|U|>s|s|b|\{([a-z_.]+)\}V)/g;
  let last = 0;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    const literal = source.slice(last, m.index);
    parts.push(() => literal);
    last = re.lastIndex;
    const d = m[1];
    if (d === '%') parts.push(() => '%');
    else if (d === 'm') parts.push((f) => f.method);
    else if (d === 'U') parts.push((f) => f.url.split('?')[0]);
    else if (d === '>s' || d === 's') parts.push((f) => String(f.status));
    else if (d === 'b') parts.push((f) => (f.responseBodyBytes ? String(f.responseBodyBytes) : '-'));
    else {
      const name = m[2];
      parts.push((f) => (name === 'req.url' ? f.url : name === 'resp.status' ? String(f.status) : '(null)'));
    }
  }
  if (source.indexOf('%', last) >= 0) throw new FormatError('unsupported directive', 1, last + 1, '');
  const tail = source.slice(last);
  parts.push(() => tail);
  return { source, render: (f) => parts.map((p) => p(f)).join('') };
}
