/**
 * AWS regions a Kinesis endpoint may name: Fastly's own list for its Kinesis endpoint
 * (reference/log-format.md §10) plus the rest of AWS's commercial, China and GovCloud regions;
 * and the regional endpoints of the services the product calls.
 */
export const AWS_REGIONS: ReadonlySet<string> = new Set([
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
  'af-south-1',
  'ap-east-1', 'ap-east-2', 'ap-south-1', 'ap-south-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
  'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-6', 'ap-southeast-7',
  'ca-central-1', 'ca-west-1',
  'cn-north-1', 'cn-northwest-1',
  'eu-central-1', 'eu-central-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-south-1', 'eu-south-2', 'eu-north-1',
  'il-central-1', 'me-south-1', 'me-central-1', 'mx-central-1', 'sa-east-1',
  'us-gov-east-1', 'us-gov-west-1',
]);

/** The DNS suffix of a region's AWS partition. */
export function awsDomainFor(region: string): string {
  return region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/** The regional Kinesis endpoint: https://kinesis.<region>.amazonaws.com/ (.com.cn in China). */
export function defaultKinesisUrl(region: string): string {
  return `https://kinesis.${region}.${awsDomainFor(region)}/`;
}

/** The regional STS endpoint (reference/kinesis.md §4.2): https://sts.<region>.amazonaws.com/ (.com.cn in China). */
export function defaultStsUrl(region: string): string {
  return `https://sts.${region}.${awsDomainFor(region)}/`;
}
