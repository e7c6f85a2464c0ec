/** `check` runs the same engine: the heredoc spelling of the Kinesis default is clean; a JSON line that cannot parse warns (⚠, caret, exit 0). */
import { describe, expect, it } from 'vitest';
import { KINESIS_DEFAULT_FORMAT } from '../../../src/format/index.js';
import { cli } from './run-cli.js';

function check(items: Record<string, unknown>) {
  return cli(['check', 'config.json'], { 'config.json': JSON.stringify(items) });
}

describe('check: format fidelity and the JSON check', () => {
  it('accepts the Kinesis default written with "\\\\2\\\\3" without a warning', () => {
    const format = KINESIS_DEFAULT_FORMAT.replace('"\\2\\3"', '"\\\\2\\\\3"');
    expect(format).toContain('"\\\\2\\\\3"');
    const result = check({ endpoints: 'main', main: { stream_name: 'logs', region: 'eu-west-1', format } });
    expect(result).toMatchObject({ code: 0, err: '' });
  });

  it('warns with a caret where a JSON line cannot parse, and keeps exit code 0', () => {
    const result = check({ endpoints: 'main', main: { stream_name: 'logs', region: 'eu-west-1', format: '{"rtt":%{client.socket.tcpi_rtt}V}' } });
    expect(result.code).toBe(0);
    expect(result.err).toBe(
      '⚠ main.format: %{client.socket.tcpi_rtt}V prints (null) here: Compute never sets client.socket.tcpi_rtt, and (null) is not a JSON value; ' +
        'write null, or "%{client.socket.tcpi_rtt}V" in quotes at line 1, column 8\n{"rtt":%{client.socket.tcpi_rtt}V}\n       ^\n',
    );
  });
});
