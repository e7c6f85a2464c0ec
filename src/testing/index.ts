/**
 * `compute-kinesis-logger/testing`: what this project tests itself with, for testing an
 * application that uses the logger. Node only.
 *
 * - Viceroy, the local Compute runtime, running your compiled program with your fastly.toml
 *   (`startViceroy`: fetch only to the app, its log endpoints' lines, shutdown);
 * - a local Kinesis: kinesalite on 127.0.0.1, which must be installed beside this package
 *   (`npm install --save-dev kinesalite`), and the admin calls tests need (create a stream and
 *   wait, split, merge, read every record back);
 * - the in-memory platform (`createFakePlatform`: stores, log endpoints, backends as functions),
 *   for running `createKinesisLoggingOn` (the library over any platform) in Node tests.
 *
 * @module compute-kinesis-logger/testing
 */
export { createKinesisLogging as createKinesisLoggingOn } from '../handler/kinesis-logging.js';
export { listen, type Listening } from './listen.js';
export {
  createStream,
  KinesaliteMissingError,
  kinesisCall,
  listAllShards,
  mergeShards,
  openShards,
  randomStreamName,
  readStream,
  splitShard,
  startLocalKinesis,
  waitActive,
  type LocalKinesis,
  type ShardDescription,
  type StoredRecord,
} from './local-kinesis.js';
export { createFakePlatform, type BackendHandler, type FakePlatform, type FakePlatformOptions } from './memory-platform.js';
export { configItems, FakeConfig, FakeKvStore, FakeLogger, FakeSecrets } from './memory-stores.js';
export { seededRandom } from './seeded-random.js';
export { canConnect, freePort, startViceroy, viceroyBinary, type ViceroyApp, type ViceroyOptions } from './viceroy.js';
export type { Platform } from '../platform/types.js';
