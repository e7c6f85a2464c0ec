/**
 * The Kinesis JSON 1.1 protocol over a signed fetch: PutRecords, ListShards and
 * DescribeStreamSummary (for the stream's maximum record size, stream-summary.ts). One call in, one
 * answer (or AwsCallError) out; no retries here. Failures before the request left (no budget, no
 * credentials, signing failed, a backend the service does not define) are AwsCallErrors with
 * `requestSent: false`.
 */
import { BUDGET_EXHAUSTED, BudgetExhaustedError } from '../aws/budget.js';
import { CredentialsError } from '../aws/credentials.js';
import { BackendNotDefinedError, RequestTimeoutError, SigningError, type AwsAnswer, type SignedFetch } from '../aws/signed-fetch.js';
import { AwsCallError, sanitizeErrorCode } from './errors.js';

export interface PutRecordsRequestEntry {
  Data: string; // base64
  PartitionKey: string;
  ExplicitHashKey?: string;
}

export interface PutRecordsInput {
  StreamName: string;
  Records: PutRecordsRequestEntry[];
}

export interface PutRecordsResultEntry {
  SequenceNumber?: string;
  ShardId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

export interface PutRecordsOutput {
  FailedRecordCount?: number;
  Records: PutRecordsResultEntry[];
  EncryptionType?: string;
}

export interface ListShardsInput {
  StreamName?: string;
  NextToken?: string;
  MaxResults?: number;
  ShardFilter?: { Type: 'AT_LATEST' | 'AT_TRIM_HORIZON' | 'FROM_TRIM_HORIZON' };
}

export interface Shard {
  ShardId: string;
  ParentShardId?: string;
  AdjacentParentShardId?: string;
  HashKeyRange: { StartingHashKey: string; EndingHashKey: string };
  SequenceNumberRange: { StartingSequenceNumber: string; EndingSequenceNumber?: string | null };
}

export interface ListShardsOutput {
  Shards: Shard[];
  NextToken?: string;
}

export interface DescribeStreamSummaryInput {
  StreamName: string;
}

/** The fields of StreamDescriptionSummary this product reads (the answer has more). */
export interface DescribeStreamSummaryOutput {
  StreamDescriptionSummary?: {
    StreamName?: string;
    StreamStatus?: string;
    OpenShardCount?: number;
    /** 1024–10240; absent from answers of servers that predate it (kinesalite 3.3.3): 1 MiB. */
    MaxRecordSizeInKiB?: number;
  };
}

export interface KinesisApi {
  putRecords(input: PutRecordsInput): Promise<PutRecordsOutput>;
  listShards(input: ListShardsInput): Promise<ListShardsOutput>;
  describeStreamSummary(input: DescribeStreamSummaryInput): Promise<DescribeStreamSummaryOutput>;
}

const TARGET_PREFIX = 'Kinesis_20131202';

export function createKinesisApi(url: string, signedFetch: SignedFetch): KinesisApi {
  async function call<T>(operation: string, input: unknown): Promise<T> {
    let response: AwsAnswer;
    try {
      response = await signedFetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-amz-json-1.1',
          'X-Amz-Target': `${TARGET_PREFIX}.${operation}`,
        },
        body: JSON.stringify(input),
      });
    } catch (error) {
      if (error instanceof BudgetExhaustedError) throw new AwsCallError(BUDGET_EXHAUSTED, error.message, undefined, false);
      if (error instanceof SigningError) throw new AwsCallError(error.errorCode, error.message, undefined, false);
      // Refused by the runtime before it left: a configuration error, not a network one (which may have been stored).
      if (error instanceof BackendNotDefinedError) throw new AwsCallError(error.errorCode, error.message, undefined, false);
      // No credentials, no request: the call is failed with the credentials' own code (an STS
      // Throttling is retriable, MissingCredentials is not).
      if (error instanceof CredentialsError) throw new AwsCallError(error.errorCode, error.message, error.httpStatus, false);
      if (error instanceof RequestTimeoutError) throw new AwsCallError('Timeout', error.message);
      throw new AwsCallError('NetworkError', error instanceof Error ? error.message : String(error));
    }
    const { text } = response;
    let body: Record<string, unknown> | undefined;
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const rawCode = response.headers.get('x-amzn-ErrorType') ?? (body?.__type as string | undefined) ?? `HTTP${response.status}`;
      const message = (body?.message ?? body?.Message ?? '') as string;
      throw new AwsCallError(sanitizeErrorCode(rawCode), String(message), response.status);
    }
    if (!body) throw new AwsCallError('MalformedResponse', `${operation} answered ${response.status} without a JSON body`, response.status);
    return body as T;
  }

  return {
    putRecords: (input) => call<PutRecordsOutput>('PutRecords', input),
    listShards: (input) => call<ListShardsOutput>('ListShards', input),
    describeStreamSummary: (input) => call<DescribeStreamSummaryOutput>('DescribeStreamSummary', input),
  };
}
