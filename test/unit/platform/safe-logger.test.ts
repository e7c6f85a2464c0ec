import { describe, expect, it } from 'vitest';
import { safeLogger } from '../../../src/platform/safe-logger.js';

describe('safeLogger', () => {
  it('writes to the endpoint while it works', () => {
    const written: string[] = [];
    const stderr: string[] = [];
    const log = safeLogger('errors', { log: (l) => written.push(l) }, (l) => stderr.push(l));
    log.log('one');
    log.log('two');
    expect(written).toEqual(['one', 'two']);
    expect(stderr).toEqual([]);
  });

  it('never throws for an endpoint the service lacks: one note, then every line on stderr', () => {
    let tries = 0;
    const stderr: string[] = [];
    const missing = {
      log() {
        tries++;
        throw new TypeError('Logger.log: invalid endpoint');
      },
    };
    const log = safeLogger('kinesis_logger_errors', missing, (l) => stderr.push(l));
    expect(() => log.log('first')).not.toThrow();
    log.log('second');
    expect(tries).toBe(1); // not retried on every line
    expect(stderr).toEqual([
      'compute-kinesis-logger: log endpoint "kinesis_logger_errors" cannot be written (Logger.log: invalid endpoint); create it on the service (fastly logging <provider> create --name kinesis_logger_errors); its lines go to stderr',
      'kinesis_logger_errors :: first',
      'kinesis_logger_errors :: second',
    ]);
  });

  it('after the endpoint has worked, a failed line is counted and sent to stderr, and the next line is tried on the endpoint', () => {
    const written: string[] = [];
    const stderr: string[] = [];
    let failNext = false;
    const flaky = {
      log(line: string) {
        if (failNext) {
          failNext = false;
          throw new Error('write failed');
        }
        written.push(line);
      },
    };
    const log = safeLogger('app_log', flaky, (l) => stderr.push(l));
    log.log('one');
    failNext = true;
    log.log('two');
    log.log('three');
    failNext = true;
    log.log('four');
    log.log('five');
    expect(written).toEqual(['one', 'three', 'five']);
    expect(log.failedLines).toBe(2);
    // The cause is noted once; every failed line is on stderr, not lost.
    expect(stderr).toEqual([
      'compute-kinesis-logger: log endpoint "app_log": a line could not be written (write failed); it goes to stderr, failed lines are counted, and the next line is tried on the endpoint',
      'app_log :: two',
      'app_log :: four',
    ]);
  });
});
