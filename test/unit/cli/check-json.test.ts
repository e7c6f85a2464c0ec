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
    const result = check({ endpoints: 'main', main: { stream_name: 'logs', region: 'eu-west-1', format: '{"d":%{req.http.X-Dir}V}' } });
    expect(result.code).toBe(0);
    expect(result.err).toBe(
      '⚠ main.format: %{req.http.X-Dir}V prints text here, which is not a JSON value (and a client could write JSON into it): ' +
        'write it inside quotes with json.escape, as "%{json.escape(…)}V", or make it print a number, true, false or null at line 1, column 6\n' +
        '{"d":%{req.http.X-Dir}V}\n     ^\n',
    );
  });

  it('lists the variables that have no value on Compute, and keeps the endpoint (exit code 0)', () => {
    const format = '{"rtt":%{client.socket.cwnd}V,"rc":"%{ratecounter.login.rate.10s}V"}';
    const condition = 'waf.inspection.disabled || backend.F_origin.healthy';
    const result = check({ endpoints: 'main', main: { stream_name: 'logs', region: 'eu-west-1', format, response_condition: condition } });
    expect(result.code).toBe(0);
    expect(result.out).toContain('✓ main: stream logs in eu-west-1');
    expect(result.err).toBe(
      '⚠ main.format: client.socket.cwnd, ratecounter.login.rate.10s: 2 variables have no value on Compute (a VCL service has them): ' +
        'in a JSON template the field is null as a bare value and empty inside quotes, elsewhere it prints (null) at line 1, column 10\n' +
        `${format}\n         ^\n` +
        '⚠ main.response_condition: waf.inspection.disabled, backend.F_origin.healthy: 2 variables have no value on Compute (a VCL service has them): ' +
        'here they always read as not set, which a condition treats as false (and every comparison but != too) at line 1, column 1\n' +
        `${condition}\n^\n`,
    );
  });

  it('refuses an unknown variable of a family, with its suggestion', () => {
    const result = check({ endpoints: 'main', main: { stream_name: 'logs', region: 'eu-west-1', format: '%{ratecounter.login.rate.5s}V' } });
    expect(result.code).toBe(1);
    expect(result.err).toContain("unknown variable 'ratecounter.login.rate.5s': expected a VCL variable; did you mean ratecounter.login.rate.1s?");
  });
});
