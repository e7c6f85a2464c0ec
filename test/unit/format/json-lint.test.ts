/**
 * The JSON check (json-lint.ts): warnings with line, column and caret where a JSON template's
 * line cannot parse as JSON on Compute, each with what to write instead; none for Fastly's own
 * JSON formats, for values inside strings (the renderer keeps those from breaking the string),
 * or for formats that are not JSON. (lintFormat also lists the variables with no value on
 * Compute, compute-values.ts, which some of these formats use.)
 */
import { describe, expect, it } from 'vitest';
import {
  BIGQUERY_EXAMPLE_FORMAT,
  CLF_FORMAT,
  DATADOG_DEFAULT_FORMAT,
  FASTLY_UI_JSON_FORMAT,
  KINESIS_DEFAULT_FORMAT,
  lintFormat,
} from '../../../src/format/index.js';

const messages = (format: string) => lintFormat(format).map((w) => w.message.split(' at line ')[0]);

describe('lintFormat: JSON templates', () => {
  it("finds nothing in Fastly's formats, in either spelling of regsub's group references", () => {
    for (const format of [KINESIS_DEFAULT_FORMAT, BIGQUERY_EXAMPLE_FORMAT, FASTLY_UI_JSON_FORMAT, CLF_FORMAT]) {
      expect(lintFormat(format)).toEqual([]);
    }
    expect(lintFormat(KINESIS_DEFAULT_FORMAT.replace('"\\2\\3"', '"\\\\2\\\\3"'))).toEqual([]);
    // Datadog's default: only the list of its variables that have no value on Compute (compute-values.ts).
    expect(messages(DATADOG_DEFAULT_FORMAT)).toEqual([expect.stringMatching(/^tls\.client\.ciphers_sha, tls\.client\.tlsexts_sha, fastly_info\.h2\.stream_id, client\.socket\.cwnd, .*: 15 variables have no value on Compute/)]);
  });

  it('a variable Compute never sets, as a bare value: no JSON warning (it prints null), only the list', () => {
    const [warning] = lintFormat('{"status":%>s,\n "rtt": %{client.socket.tcpi_rtt}V}');
    expect([warning.line, warning.column]).toEqual([2, 11]);
    expect(warning.caret).toBe(' "rtt": %{client.socket.tcpi_rtt}V}\n          ^');
    expect(warning.message.split(' at line ')[0]).toBe(
      'client.socket.tcpi_rtt has no value on Compute (a VCL service has it): in a JSON template the field is null as a bare value and empty inside quotes, elsewhere it prints (null)',
    );
    expect(messages('{"c": %{tls.client.ciphers_sha}V}')).toEqual([expect.stringMatching(/^tls\.client\.ciphers_sha has no value on Compute/)]);
  });

  it('an if() that can pick a variable Compute never sets, as a bare value', () => {
    expect(messages('{"c":%{if(req.is_ssl, client.socket.cwnd, "0")}V}')).toEqual([
      '%{if(req.is_ssl, client.socket.cwnd, "0")}V prints nothing here when it picks client.socket.cwnd: Compute never sets it, if() turns that into an empty string, and nothing is not a JSON value; write "null" in its place',
      expect.stringMatching(/^client\.socket\.cwnd has no value on Compute/),
    ]);
  });

  it('text, %b and %t in bare value positions', () => {
    expect(messages('{"ua":%{User-Agent}i,"b":%b,"t":%t,"ok":%B}')).toEqual([
      '%{User-Agent}i prints text here, which is not a JSON value (and a client could write JSON into it): write it inside quotes, "%{User-Agent}i"',
      "%b prints '-' for an empty body, which is not a JSON value: write %B (0 for an empty body)",
      '%t prints text here, which is not a JSON value (and a client could write JSON into it): write it inside quotes, "%t"',
    ]);
    expect(messages('{"u":%{json.escape(req.url)}V}')).toHaveLength(1);
  });

  it('accepts bare values that are always JSON', () => {
    expect(
      lintFormat(
        '{"a":%D,"b":%{time.elapsed.usec}V,"c":%{if(req.is_ssl, "true", "false")}V,"d":%{resp.status}V,"e":%{begin:msec}t,' +
          '"f":%{if(resp.response, "%22"+json.escape(resp.response)+"%22", "null")}V,"g":%{req.is_ipv6}V,"h":%{time.elapsed}V}',
      ),
    ).toEqual([]);
  });

  it('escapes JSON does not accept, and structural mistakes of the template', () => {
    const [escape] = lintFormat('{"path":"C:\\dir %U"}');
    expect([escape.line, escape.column]).toEqual([1, 12]);
    expect(escape.message.split(' at line ')[0]).toBe(
      "the format is JSON, but no line it renders can parse: '\\d' is not a JSON escape (JSON knows \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX): write \\\\d for a backslash followed by 'd'",
    );
    expect(messages('{"a":"%U" "b":"%m"}')).toEqual(['the format is JSON, but no line it renders can parse: unexpected \'"\': JSON expects \',\' or \'}\'']);
    expect(messages('{"a":"%U",}')).toEqual(["the format is JSON, but no line it renders can parse: unexpected '}': JSON expects a key in quotes (or '}')"]);
    expect(messages('{"a":"%U"')).toEqual(["the format is JSON, but no line it renders can parse: the line ends with a JSON object still open: expected '}'"]);
    expect(messages('{"a":"\t%U"}')).toEqual(['the format is JSON, but no line it renders can parse: a control character (U+0009) inside a JSON string: write it as an escape such as \\t']);
  });

  it("a lone '\\' of the template just before a directive inside a string", () => {
    const [warning] = lintFormat('{"path":"C:\\%{req.http.X-Dir}V"}');
    expect([warning.line, warning.column]).toEqual([1, 12]);
    expect(warning.message.split(' at line ')[0]).toBe(
      "'\\' before %{req.http.X-Dir}V escapes the first character the value prints: on a VCL service a '\"' there ends the JSON string, " +
        'and most letters are no JSON escape; write \\\\ for a backslash (this renderer keeps the line JSON either way)',
    );
    expect(messages('{"a":"%{Via}i\\%{Accept}i","b":"\\\\%U","c":"\\\\\\%U"}')).toEqual([
      "'\\' before %{Accept}i escapes the first character the value prints: on a VCL service a '\"' there ends the JSON string, and most letters are no JSON escape; write \\\\ for a backslash (this renderer keeps the line JSON either way)",
      "'\\' before %U escapes the first character the value prints: on a VCL service a '\"' there ends the JSON string, and most letters are no JSON escape; write \\\\ for a backslash (this renderer keeps the line JSON either way)",
    ]);
  });

  it('says nothing about values inside strings, or formats that are not JSON', () => {
    expect(lintFormat('{"ua":"%{User-Agent}i","h":"%{req.http.Fastly-Orig-Host}V","c":"%{cstr_escape(req.url)}V"}')).toEqual([]);
    expect(lintFormat('%h %{req.http.X}V "%{User-Agent}i"')).toEqual([]);
  });
});
