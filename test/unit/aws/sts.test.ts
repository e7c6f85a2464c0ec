import { describe, expect, it } from 'vitest';
import { RequestBudget } from '../../../src/aws/budget.js';
import { CredentialsError, staticCredentials } from '../../../src/aws/credentials.js';
import { defaultStsUrl } from '../../../src/config/regions.js';
import { assumeRole, assumeRoleBody, parseAssumeRoleResponse, parseStsError, stsSigningRegion, xmlElement } from '../../../src/aws/sts.js';

const RESPONSE = `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <SourceIdentity>Alice</SourceIdentity>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>
      <AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>
       AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQW
       LWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGd
      </SessionToken>
      <Expiration>2019-11-09T13:34:41Z</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>`;

describe('parseAssumeRoleResponse', () => {
  it('reads the documented answer (AWS API reference example)', () => {
    const credentials = parseAssumeRoleResponse(RESPONSE);
    expect(credentials.accessKeyId).toBe('ASIAIOSFODNN7EXAMPLE');
    expect(credentials.secretAccessKey).toBe('wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY');
    expect(credentials.sessionToken).toMatch(/^AQoDYXdzEPT\/\/\/\/\/\/\/\/\/\/wEXAMPLE.*kMcGd$/s);
    expect(credentials.expiresAtMs).toBe(Date.UTC(2019, 10, 9, 13, 34, 41));
  });

  it('decodes XML entities and accepts a namespace prefix', () => {
    const xml = `<sts:Credentials><sts:AccessKeyId>A</sts:AccessKeyId><sts:SecretAccessKey>a&amp;b&lt;c&#x2F;d&#61;</sts:SecretAccessKey><sts:SessionToken>t</sts:SessionToken><sts:Expiration>2030-01-01T00:00:00.000Z</sts:Expiration></sts:Credentials>`;
    expect(parseAssumeRoleResponse(xml)).toMatchObject({ accessKeyId: 'A', secretAccessKey: 'a&b<c/d=', sessionToken: 't' });
  });

  it.each([
    ['no Credentials', '<AssumeRoleResponse/>', 'AccessKeyId'],
    ['a missing token', RESPONSE.replace(/<SessionToken>[\s\S]*<\/SessionToken>/, ''), 'SessionToken'],
    ['a truncated answer', RESPONSE.slice(0, 400), 'AccessKeyId'],
  ])('throws MalformedResponse on %s, naming the element but no value', (_name, xml, element) => {
    let error: unknown;
    try {
      parseAssumeRoleResponse(xml);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as CredentialsError).errorCode).toBe('MalformedResponse');
    expect((error as CredentialsError).message).toBe(`STS AssumeRole: answer has no Credentials/${element}`);
    expect((error as Error).message).not.toContain('ASIAIOSFODNN7EXAMPLE');
  });

  it('refuses an Expiration that is not a date', () => {
    expect(() => parseAssumeRoleResponse(RESPONSE.replace('2019-11-09T13:34:41Z', 'soon'))).toThrow('Expiration is not a date');
  });
});

describe('parseStsError', () => {
  it('reads Code and Message of an ErrorResponse', () => {
    const xml = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::1:user/x is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::2:role/y</Message></Error><RequestId>r</RequestId></ErrorResponse>`;
    expect(parseStsError(xml)).toEqual({ code: 'AccessDenied', message: 'User: arn:aws:iam::1:user/x is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::2:role/y' });
  });
  it('gives undefined for a body that is not an ErrorResponse', () => {
    expect(parseStsError('<html>502 Bad Gateway</html>')).toBeUndefined();
    expect(parseStsError('')).toBeUndefined();
  });
  it('does not take <ErrorResponse> for <Error>', () => {
    expect(xmlElement('<ErrorResponse><Error><Code>X</Code></Error></ErrorResponse>', 'Error')).toBe('<Code>X</Code>');
  });
});

describe('request and endpoint', () => {
  it('builds the Query API form body', () => {
    const body = new URLSearchParams(assumeRoleBody({ roleArn: 'arn:aws:iam::123456789012:role/r', sessionName: 'compute-kinesis-logger', externalId: 'ext:1/2', durationSeconds: 900 }));
    expect(Object.fromEntries(body)).toEqual({
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: 'arn:aws:iam::123456789012:role/r',
      RoleSessionName: 'compute-kinesis-logger',
      DurationSeconds: '900',
      ExternalId: 'ext:1/2',
    });
    expect(assumeRoleBody({ roleArn: 'r', sessionName: 's', durationSeconds: 3600 })).not.toContain('ExternalId');
  });

  it('uses the regional endpoint and signs for its region', () => {
    expect(defaultStsUrl('eu-west-1')).toBe('https://sts.eu-west-1.amazonaws.com/');
    expect(defaultStsUrl('cn-northwest-1')).toBe('https://sts.cn-northwest-1.amazonaws.com.cn/');
    expect(stsSigningRegion('https://sts.eu-west-1.amazonaws.com/', 'us-east-1')).toBe('eu-west-1');
    expect(stsSigningRegion('https://sts.cn-north-1.amazonaws.com.cn/', 'x')).toBe('cn-north-1');
    expect(stsSigningRegion('https://sts.amazonaws.com/', 'eu-west-1')).toBe('us-east-1');
    expect(stsSigningRegion('http://127.0.0.1:4599/', 'eu-west-2')).toBe('eu-west-2');
  });
});

describe('assumeRole over a fake backend', () => {
  const base = staticCredentials(async () => ({ accessKeyId: 'AKIDBASE', secretAccessKey: 'base-secret' }));
  const options = (answer: (request: Request) => Response | Promise<Response>) => ({
    url: 'https://sts.eu-west-1.amazonaws.com/',
    region: 'eu-west-1',
    backend: { kind: 'static' as const, name: 'sts' },
    fetch: async (request: Request) => answer(request),
    timeoutMs: 1_000,
    signingKeyCache: new Map<string, ArrayBuffer>(),
  });
  const params = { roleArn: 'arn:aws:iam::123456789012:role/r', sessionName: 's1', durationSeconds: 900 };

  it('POSTs a signed form (service sts) and takes one request from the budget', async () => {
    let seen: Request | undefined;
    const budget = new RequestBudget(5, Date.now() + 10_000);
    const credentials = await assumeRole(params, base, budget, options((request) => ((seen = request), new Response(RESPONSE))));
    expect(credentials.accessKeyId).toBe('ASIAIOSFODNN7EXAMPLE');
    expect(budget.spent).toBe(1);
    expect(seen!.method).toBe('POST');
    expect(seen!.headers.get('content-type')).toBe('application/x-www-form-urlencoded; charset=utf-8');
    expect(seen!.headers.get('authorization')).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDBASE\/\d{8}\/eu-west-1\/sts\/aws4_request, /);
    expect(await seen!.text()).toContain('Action=AssumeRole');
  });

  it('turns an ErrorResponse into a CredentialsError with the STS code and status', async () => {
    const error = await assumeRole(
      params,
      base,
      new RequestBudget(5, Date.now() + 10_000),
      options(() => new Response('<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>', { status: 400 })),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'CredentialsError', errorCode: 'Throttling', httpStatus: 400, message: 'STS AssumeRole: Rate exceeded' });
  });

  it('reports network failures, timeouts and an empty budget with their own codes', async () => {
    const budget = () => new RequestBudget(5, Date.now() + 10_000);
    expect(await assumeRole(params, base, budget(), options(() => Promise.reject(new TypeError('connection refused')))).catch((e) => e.errorCode)).toBe('NetworkError');
    expect(await assumeRole(params, base, budget(), { ...options(() => new Promise<Response>(() => {})), timeoutMs: 20 }).catch((e) => e.errorCode)).toBe('Timeout');
    expect(await assumeRole(params, base, new RequestBudget(0, Date.now() + 10_000), options(() => new Response(RESPONSE))).catch((e) => e.errorCode)).toBe('BudgetExhausted');
    expect(await assumeRole(params, base, budget(), options(() => new Response('<html>bad gateway</html>', { status: 502 }))).catch((e) => e.errorCode)).toBe('HTTP502');
  });
});
