/**
 * Which AWS account a signing identity acts in, as far as it can be told without asking AWS, for
 * naming state that belongs to a stream (the shared shard map's KV key): two endpoints writing to
 * streams of the same name in different accounts must never share a map.
 *
 *   iam_role          the account in the role ARN (`arn:aws:iam::<account>:role/…`). A call signed
 *                     with the role's credentials names its stream by StreamName, which Kinesis
 *                     resolves in the caller's account: the role's.
 *   user_credentials  the access key id does not name its account in any documented way, so the
 *                     key stands for it: `key-` and the first 16 hex digits of the MD5 of the key
 *                     id. Two keys of one account then keep separate maps (at most one ListShards
 *                     round per key per period more), and the key id is not written in clear into
 *                     a KV key that every POP and the management API can list.
 */
import { md5 } from '../hash/md5.js';

const ROLE_ACCOUNT = /^arn:aws[a-z-]*:iam::(\d{12}):role\//;

/** The 12-digit account of a role ARN (config/access.ts has checked its shape). */
export function roleAccount(roleArn: string): string {
  const match = ROLE_ACCOUNT.exec(roleArn);
  if (!match) throw new RangeError('not an IAM role ARN');
  return match[1];
}

const utf8 = new TextEncoder();

/** `key-<16 hex digits>`: stands for the account of an access key, without revealing the key id. */
export function keyAccount(accessKeyId: string): string {
  const digest = md5(utf8.encode(accessKeyId));
  let hex = '';
  for (let i = 0; i < 8; i++) hex += digest[i].toString(16).padStart(2, '0');
  return `key-${hex}`;
}
