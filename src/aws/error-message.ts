/**
 * The one gate for text that AWS (or anything answering in its place) sends back, before that text
 * goes into an error, a report line, a counter or a log: `sanitizeAwsMessage`.
 *
 * Why it exists: AWS echoes signing material in error messages. A JSON-protocol service such as
 * Kinesis answers a bad signature (InvalidSignatureException) with "The request signature we
 * calculated does not match … The Canonical String for this request should have been '…'" followed
 * by the String-to-Sign, and the canonical request lists every signed header with its value —
 * `x-amz-security-token:<session token>` included (aws/aws-sdk-js#168, aws/aws-sdk-cpp#17 show the
 * shape). S3-style answers add `<AWSAccessKeyId>`; presigned forms carry `X-Amz-Credential=`,
 * `X-Amz-Signature=` and `X-Amz-Security-Token=`. None of that may reach a log endpoint.
 *
 * What it keeps: the first line, and of that the first sentence (AWS's useful part: "Rate exceeded
 * for shard …", "Stream x under account y not found."). Then it redacts what still looks like
 * signing material, flattens whitespace and control characters, and caps the length so that one odd
 * answer cannot flood a log endpoint. It is idempotent, so text that passes the gate twice (where it
 * enters and where it leaves) comes out the same.
 *
 * Its cost is bounded by MAX_AWS_MESSAGE_INPUT_CHARS, not by what arrives: the text is cut to that
 * length before any regex sees it (a 160k-character answer once took 36 s here, the echo marker's
 * leading `\s*` retried at every space). A value the cut splits is dropped whole, so that half of a
 * key id, which the redaction patterns no longer recognise, cannot slip through.
 *
 * Not a general secret scanner: the secret access key is never sent to AWS, so AWS cannot echo it;
 * what can come back is the token, the credential scope with the access key id, and signatures.
 */

/** Longest message kept, the ellipsis included. */
export const MAX_AWS_MESSAGE_CHARS = 300;

export const REDACTED = '[redacted]';

/**
 * Most of AWS's text that is ever looked at. Well above what survives (one sentence, then
 * MAX_AWS_MESSAGE_CHARS), so the cut only changes answers whose first sentence is padded with
 * thousands of characters.
 */
export const MAX_AWS_MESSAGE_INPUT_CHARS = 2048;

/**
 * Where AWS's echo of the signing computation starts when the text has been flattened to one line
 * (the multi-line form is already cut at its first line break).
 */
const ECHO_MARKERS = /(?:The Canonical String for this request|The String-to-Sign should have been|Canonical request|StringToSign)\b/i;

/** A value runs until whitespace or a delimiter of the header, query or XML form it sits in. */
const VALUE_END = /[\s&'",;<]/;
const VALUE = String.raw`[^\s&'",;<]+`;
const SECRET_FIELDS: RegExp[] = [
  // `x-amz-security-token:<token>` (canonical headers) and `X-Amz-Security-Token=<token>` (query).
  new RegExp(String.raw`(x-amz-security-token\s*[:=]\s*)${VALUE}`, 'gi'),
  // `Credential=AKID…/date/region/service/aws4_request` and `X-Amz-Credential=…`.
  new RegExp(String.raw`((?:x-amz-)?credential\s*=\s*)${VALUE}`, 'gi'),
  // `Signature=<hex>` and `X-Amz-Signature=<hex>`.
  new RegExp(String.raw`((?:x-amz-)?signature\s*=\s*)${VALUE}`, 'gi'),
  // S3-style `<AWSAccessKeyId>ASIA…</AWSAccessKeyId>`.
  new RegExp(String.raw`(<AWSAccessKeyId>\s*)[^<\s]+`, 'gi'),
];
/** Access key ids anywhere (IAM user AKIA…, temporary ASIA…): 20 upper-case letters and digits. */
const ACCESS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g;
/** End of the first sentence: a full stop followed by a capital letter (not "min.)" or "1.5"). */
const SENTENCE_END = /([.!?])\s+(?=[A-Z])/;
const CONTROL = /[\u0000-\u001f\u007f]+/g;

export function sanitizeAwsMessage(message: unknown): string {
  let text = typeof message === 'string' ? message : message === undefined || message === null ? '' : String(message);
  text = (boundedHead(text.trimStart()).split(/\r?\n|\r/, 1)[0] ?? '').replace(CONTROL, ' ');
  const echo = ECHO_MARKERS.exec(text);
  if (echo) text = text.slice(0, echo.index);
  const sentence = SENTENCE_END.exec(text);
  if (sentence) text = text.slice(0, sentence.index + 1);
  for (const field of SECRET_FIELDS) text = text.replace(field, `$1${REDACTED}`);
  text = text.replace(ACCESS_KEY_ID, REDACTED);
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > MAX_AWS_MESSAGE_CHARS ? `${cutAt(text, MAX_AWS_MESSAGE_CHARS - 1).trimEnd()}…` : text;
}

/**
 * The first MAX_AWS_MESSAGE_INPUT_CHARS characters of `text`, less the value the cut falls inside
 * (found with a loop: a regex anchored at the end would itself be quadratic).
 */
function boundedHead(text: string): string {
  if (text.length <= MAX_AWS_MESSAGE_INPUT_CHARS) return text;
  let end = MAX_AWS_MESSAGE_INPUT_CHARS;
  while (end > 0 && !VALUE_END.test(text[end] ?? ' ')) end--;
  return text.slice(0, end);
}

/** The first `length` UTF-16 units, one less when that would split a surrogate pair. */
function cutAt(text: string, length: number): string {
  const last = text.charCodeAt(length - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? length - 1 : length);
}
