/** The log_endpoint destination's counters (delivery/log-endpoints.ts) over a safe logger whose writes can fail. */
import { describe, expect, it } from 'vitest';
import { loadServiceConfig, type LogEndpointConfig } from '../../../src/config/index.js';
import { createLogEndpointWriter } from '../../../src/delivery/log-endpoints.js';
import { safeLogger } from '../../../src/platform/safe-logger.js';

describe('createLogEndpointWriter', () => {
  it('shows the lines the endpoint failed to take after it had worked (failedWrites), and keeps writing', () => {
    const items = new Map([['endpoints', 'copy'], ['copy', JSON.stringify({ destination: 'log_endpoint', log_endpoint: 'copies' })]]);
    const endpoint = loadServiceConfig({ get: (key) => items.get(key) ?? null }).endpoints[0] as LogEndpointConfig;
    const taken: string[] = [];
    const logger = safeLogger('copies', { log: (line) => (line === 'bad' ? (() => { throw new Error('write failed'); })() : taken.push(line)) }, () => {});
    const writer = createLogEndpointWriter(() => logger, () => {});
    writer.write(endpoint, ['one', 'bad', 'two']);
    expect(taken).toEqual(['one', 'two']);
    expect(writer.stats()).toEqual({ copy: { logEndpoint: 'copies', written: 3, failedWrites: 1, truncated: 0, droppedOversize: 0 } });
  });
});
