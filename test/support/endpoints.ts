/** Narrowing loaded endpoints in tests. */
import type { EndpointConfig, KinesisEndpointConfig } from '../../src/config/index.js';

/** A loaded endpoint, known by the test to write to Kinesis (fails the test otherwise). */
export function kinesisEndpoint(endpoint: EndpointConfig | undefined): KinesisEndpointConfig {
  if (endpoint?.destination !== 'kinesis') throw new Error(`expected a kinesis endpoint, got ${endpoint ? endpoint.destination : 'none'}`);
  return endpoint;
}
