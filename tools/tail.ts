/**
 * `npm run tail`: prints records of the local stream as they arrive, one per line:
 * `<shard id>  <decoded record>`. Follows every open shard, and new shards after a reshard.
 *   --url <kinesis url>   default http://127.0.0.1:4567/
 *   --stream <name>       default compute-logs
 *   --new                 skip the records already in the stream (default: print them first, so a
 *                         record from a curl made before the tail started shows up too)
 */
import { kinesisCall, listAllShards } from '../src/testing/local-kinesis.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const url = option('--url', 'http://127.0.0.1:4567/');
const stream = option('--stream', 'compute-logs');
const fromStart = !args.includes('--new');

const iterators = new Map<string, string | undefined>();

async function follow() {
  // Shards that appear later (a reshard while tailing) are read from their start: all of it is new.
  const firstLook = iterators.size === 0;
  for (const shard of await listAllShards(url, stream)) {
    if (iterators.has(shard.ShardId)) continue;
    const { ShardIterator } = await kinesisCall<{ ShardIterator: string }>(url, 'GetShardIterator', {
      StreamName: stream,
      ShardId: shard.ShardId,
      ShardIteratorType: fromStart || !firstLook ? 'TRIM_HORIZON' : 'LATEST',
    });
    iterators.set(shard.ShardId, ShardIterator);
  }
  for (const [shardId, iterator] of iterators) {
    if (!iterator) continue;
    const answer = await kinesisCall<{ Records: { Data: string }[]; NextShardIterator?: string }>(url, 'GetRecords', { ShardIterator: iterator });
    for (const record of answer.Records) console.log(`${shardId}  ${Buffer.from(record.Data, 'base64').toString('utf8')}`);
    iterators.set(shardId, answer.NextShardIterator);
  }
}

async function main() {
  console.error(`tailing ${stream} at ${url} (Ctrl-C to stop)`);
  for (;;) {
    try {
      await follow();
    } catch (error) {
      console.error(`tail: ${error instanceof Error ? error.message : error} (is npm run dev running?)`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

process.on('SIGINT', () => process.exit(0));
void main();
