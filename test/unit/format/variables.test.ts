/**
 * The variable catalogue: every VCL variable reference/log-format.md §6 lists (and the backend-side
 * names formats copied from VCL services use) is accepted with its type; the ones Compute cannot
 * provide read as not set.
 */
import { describe, expect, it } from 'vitest';
import { lookupVariable, NOT_PROVIDED_IN_COMPUTE } from '../../../src/format/variables.js';

/** §6.1–§6.5 of the reference, with the types it gives. */
const REFERENCE_VARIABLES: ReadonlyArray<[string, string]> = [
  ['time.start', 'TIME'], ['time.start.sec', 'STRING'], ['time.start.msec', 'STRING'], ['time.start.usec', 'STRING'],
  ['time.start.msec_frac', 'STRING'], ['time.start.usec_frac', 'STRING'], ['time.end', 'TIME'], ['time.end.sec', 'STRING'],
  ['time.end.msec', 'STRING'], ['time.end.usec', 'STRING'], ['time.end.msec_frac', 'STRING'], ['time.end.usec_frac', 'STRING'],
  ['time.elapsed', 'RTIME'], ['time.elapsed.usec', 'STRING'], ['time.elapsed.sec', 'STRING'], ['time.elapsed.msec', 'STRING'],
  ['time.elapsed.msec_frac', 'STRING'], ['time.elapsed.usec_frac', 'STRING'], ['time.to_first_byte', 'RTIME'],
  ['now', 'TIME'], ['now.sec', 'STRING'], ['time.now', 'TIME'], ['time.now.sec', 'STRING'],
  ['req.request', 'STRING'], ['req.method', 'STRING'], ['req.url', 'STRING'], ['req.url.path', 'STRING'],
  ['req.url.qs', 'STRING'], ['req.url.ext', 'STRING'], ['req.url.basename', 'STRING'], ['req.proto', 'STRING'],
  ['req.protocol', 'STRING'], ['req.http.X-Any', 'STRING'], ['req.http.Cookie:id', 'STRING'], ['req.is_ssl', 'BOOL'],
  ['req.is_ipv6', 'BOOL'], ['req.bytes_read', 'INTEGER'], ['req.header_bytes_read', 'INTEGER'],
  ['req.body_bytes_read', 'INTEGER'], ['req.service_id', 'STRING'], ['req.vcl.version', 'INTEGER'], ['req.digest', 'STRING'],
  ['req.restarts', 'INTEGER'], ['req.backend.name', 'STRING'], ['req.xid', 'STRING'],
  ['resp.status', 'INTEGER'], ['resp.response', 'STRING'], ['resp.http.X-Any', 'STRING'], ['resp.bytes_written', 'INTEGER'],
  ['resp.body_bytes_written', 'INTEGER'], ['resp.header_bytes_written', 'INTEGER'], ['resp.completed', 'BOOL'],
  ['resp.proto', 'STRING'],
  ['client.ip', 'IP'], ['client.port', 'INTEGER'], ['client.requests', 'INTEGER'], ['client.socket.tcpi_rtt', 'INTEGER'],
  ['client.socket.cwnd', 'INTEGER'], ['client.socket.ploss', 'FLOAT'], ['client.as.number', 'INTEGER'],
  ['client.as.name', 'STRING'], ['client.geo.city', 'STRING'], ['client.geo.city.utf8', 'STRING'],
  ['client.geo.city.latin1', 'STRING'], ['client.geo.country_code', 'STRING'], ['client.geo.country_name', 'STRING'],
  ['client.geo.region', 'STRING'], ['client.geo.continent_code', 'STRING'], ['client.geo.conn_speed', 'STRING'],
  ['client.geo.latitude', 'FLOAT'], ['client.geo.longitude', 'FLOAT'], ['client.geo.metro_code', 'INTEGER'],
  ['server.datacenter', 'STRING'], ['server.hostname', 'STRING'], ['server.identity', 'STRING'], ['server.region', 'STRING'],
  ['server.ip', 'IP'], ['server.port', 'INTEGER'], ['tls.client.protocol', 'STRING'], ['tls.client.cipher', 'STRING'],
  ['tls.client.servername', 'STRING'], ['tls.client.ciphers_sha', 'STRING'], ['tls.client.tlsexts_sha', 'STRING'],
  ['tls.client.ja3_md5', 'STRING'], ['fastly_info.state', 'STRING'], ['fastly_info.is_h2', 'BOOL'],
  ['fastly_info.h2.is_push', 'BOOL'], ['fastly_info.h2.stream_id', 'INTEGER'], ['fastly.ff.visits_this_service', 'INTEGER'],
  ['fastly.error', 'STRING'], ['obj.hits', 'INTEGER'], ['obj.ttl', 'RTIME'], ['obj.age', 'RTIME'], ['obj.lastuse', 'RTIME'],
  ['obj.status', 'INTEGER'], ['beresp.status', 'INTEGER'], ['waf.executed', 'BOOL'],
];

/** Backend-side variables VCL formats use; none exists in Compute (docs/log-format.md: "render as not set"). */
const BACKEND_VARIABLES: ReadonlyArray<[string, string]> = [
  ['bereq.url', 'STRING'], ['bereq.method', 'STRING'], ['bereq.request', 'STRING'], ['bereq.proto', 'STRING'],
  ['bereq.url.path', 'STRING'], ['bereq.url.qs', 'STRING'], ['bereq.http.Host', 'STRING'], ['bereq.bytes_written', 'INTEGER'],
  ['bereq.connect_timeout', 'RTIME'], ['beresp.backend.name', 'STRING'], ['beresp.backend.ip', 'IP'],
  ['beresp.backend.port', 'INTEGER'], ['beresp.response', 'STRING'], ['beresp.ttl', 'RTIME'], ['beresp.cacheable', 'BOOL'],
  ['beresp.http.Cache-Control', 'STRING'], ['obj.response', 'STRING'], ['obj.proto', 'STRING'], ['obj.cacheable', 'BOOL'],
  ['obj.http.X-Any', 'STRING'],
];

describe('variable catalogue', () => {
  it.each(REFERENCE_VARIABLES)('%s has type %s', (name, type) => {
    expect(lookupVariable(name)?.type).toBe(type);
  });

  it.each(BACKEND_VARIABLES)('%s is not set, of type %s', (name, type) => {
    const variable = lookupVariable(name);
    expect(variable?.type).toBe(type);
    expect(variable?.constant).toEqual({ value: null });
  });

  it('lists the backend-side names Compute cannot provide', () => {
    for (const name of ['obj.status', 'beresp.status', 'bereq.url', 'bereq.method', 'beresp.backend.name', 'bereq.http.*']) {
      expect(NOT_PROVIDED_IN_COMPUTE).toContain(name);
    }
    expect([...NOT_PROVIDED_IN_COMPUTE].sort()).toEqual(NOT_PROVIDED_IN_COMPUTE);
  });

  it('accepts the documented variables of service objects Compute has none of, as not set', () => {
    for (const [name, type] of [
      ['ratecounter.rc_login.rate.10s', 'FLOAT'],
      ['ratecounter.rc.bucket.60s', 'INTEGER'],
      ['backend.F_origin.connections_used', 'INTEGER'],
      ['backend.F_origin.healthy', 'BOOL'],
      ['director.d1.healthy', 'BOOL'],
      ['waf.inspection.disabled', 'STRING'],
      ['client.socket.cwnd', 'INTEGER'],
      ['bereq.http.Host', 'STRING'],
    ] as const) {
      expect(lookupVariable(name)).toMatchObject({ type, constant: { value: null }, noComputeSource: true });
    }
    for (const name of ['ratecounter.*.rate.1s', 'backend.*.healthy', 'director.*.healthy', 'waf.inspection.disabled']) {
      expect(NOT_PROVIDED_IN_COMPUTE).toContain(name);
    }
    expect(lookupVariable('req.url')?.noComputeSource).toBeUndefined();
    expect(lookupVariable('req.restarts')?.noComputeSource).toBeUndefined();
  });

  it('still rejects names VCL does not have', () => {
    expect(lookupVariable('ratecounter.rc.rate.5s')).toBeUndefined();
    expect(lookupVariable('ratecounter.1rc.rate.1s')).toBeUndefined();
    expect(lookupVariable('backend.F_origin.nope')).toBeUndefined();
    expect(lookupVariable('backend.F_origin.constructor')).toBeUndefined();
    expect(lookupVariable('waf.inspection.score')).toBeUndefined();
    expect(lookupVariable('obj.foo')).toBeUndefined();
    expect(lookupVariable('bereq.nope')).toBeUndefined();
  });
});
