/**
 * VCL geolocation variables (`client.geo.*`, `client.as.*` and the deprecated `geoip.*`) over
 * the Compute geolocation record in RequestFacts.geo.
 *
 * Owns: Fastly's geolocation semantics (https://www.fastly.com/documentation/reference/vcl/variables/geolocation/):
 * STRING fields are never not set; missing data is `?`. `client.geo.city` and
 * `client.geo.country_name` are the `.ascii` forms: lower-case ASCII with diacritics removed
 * (`Zürich` → `zurich`); `.utf8` is the record's text as is; `.latin1` is that text with
 * characters outside Latin-1 replaced by `?`. Numeric fields missing from the record read as 0
 * (latitude/longitude `0.000`, as Fastly's reserved-block values).
 * Does not own: how the record was obtained (the handler calls Compute's geolocation lookup).
 *
 * The ASCII folding uses a fixed table (Latin-1 Supplement, Latin Extended-A/B) rather than
 * String.prototype.normalize, whose availability depends on the runtime's ICU build; characters
 * with no ASCII form are dropped, and a name that folds to nothing reads as `?`.
 */
import type { RenderContext } from './render-context.js';
import type { Value, VclType } from './values.js';

export interface GeoVariableDef {
  readonly type: VclType;
  readonly get: (ctx: RenderContext) => Value;
}

const GEO_MISSING = '?';

const FOLD_TABLE =
  'Àa|Áa|Âa|Ãa|Äa|Åa|Æae|Çc|Èe|Ée|Êe|Ëe|Ìi|Íi|Îi|Ïi|Ðd|Ñn|Òo|Óo|Ôo|Õo|Öo|Øo|Ùu|Úu|Ûu|Üu|Ýy|' +
  'Þth|ßss|àa|áa|âa|ãa|äa|åa|æae|çc|èe|ée|êe|ëe|ìi|íi|îi|ïi|ðd|ñn|òo|óo|ôo|õo|öo|øo|ùu|úu|' +
  'ûu|üu|ýy|þth|ÿy|Āa|āa|Ăa|ăa|Ąa|ąa|Ćc|ćc|Ĉc|ĉc|Ċc|ċc|Čc|čc|Ďd|ďd|Đd|đd|Ēe|ēe|Ĕe|ĕe|Ėe|ėe|' +
  'Ęe|ęe|Ěe|ěe|Ĝg|ĝg|Ğg|ğg|Ġg|ġg|Ģg|ģg|Ĥh|ĥh|Ħh|ħh|Ĩi|ĩi|Īi|īi|Ĭi|ĭi|Įi|įi|İi|ıi|Ĳij|ĳij|Ĵj|' +
  'ĵj|Ķk|ķk|ĸq|Ĺl|ĺl|Ļl|ļl|Ľl|ľl|Ŀl|ŀl|Łl|łl|Ńn|ńn|Ņn|ņn|Ňn|ňn|ŉn|Ŋn|ŋn|Ōo|ōo|Ŏo|ŏo|Őo|őo|' +
  'Œoe|œoe|Ŕr|ŕr|Ŗr|ŗr|Řr|řr|Śs|śs|Ŝs|ŝs|Şs|şs|Šs|šs|Ţt|ţt|Ťt|ťt|Ŧt|ŧt|Ũu|ũu|Ūu|ūu|Ŭu|ŭu|Ůu|' +
  'ůu|Űu|űu|Ųu|ųu|Ŵw|ŵw|Ŷy|ŷy|Ÿy|Źz|źz|Żz|żz|Žz|žz|ſs|Ơo|ơo|Ưu|ưu|Ǎa|ǎa|Ǐi|ǐi|Ǒo|ǒo|Ǔu|ǔu|' +
  'Ǖu|ǖu|Ǘu|ǘu|Ǚu|ǚu|Ǜu|ǜu|Ǟa|ǟa|Ǡa|ǡa|Ǧg|ǧg|Ǩk|ǩk|Ǫo|ǫo|Ǭo|ǭo|ǰj|Ǵg|ǵg|Ǹn|ǹn|Ǻa|ǻa|Ȁa|ȁa|' +
  'Ȃa|ȃa|Ȅe|ȅe|Ȇe|ȇe|Ȉi|ȉi|Ȋi|ȋi|Ȍo|ȍo|Ȏo|ȏo|Ȑr|ȑr|Ȓr|ȓr|Ȕu|ȕu|Ȗu|ȗu|Șs|șs|Țt|țt|Ȟh|ȟh|Ȧa|' +
  'ȧa|Ȩe|ȩe|Ȫo|ȫo|Ȭo|ȭo|Ȯo|ȯo|Ȱo|ȱo|Ȳy|ȳy';

const FOLD = new Map<string, string>(FOLD_TABLE.split('|').map((pair) => [pair[0], pair.slice(1)]));

/** Lower-case ASCII form of a place name (Fastly's `.ascii` variants). */
export function foldToAscii(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (code < 0x80) out += ch.toLowerCase();
    else out += FOLD.get(ch) ?? '';
  }
  return out;
}

function toLatin1(text: string): string {
  let out = '';
  for (const ch of text) out += (ch.codePointAt(0) ?? 0) <= 0xff ? ch : '?';
  return out;
}

function field(ctx: RenderContext, key: string): string | number | null {
  const v = ctx.facts.geo?.[key];
  return v === undefined ? null : v;
}

function text(key: string, transform?: (s: string) => string): GeoVariableDef {
  return {
    type: 'STRING',
    get: (ctx) => {
      const v = field(ctx, key);
      if (v === null || v === '') return GEO_MISSING;
      const s = transform ? transform(String(v)) : String(v);
      return s === '' ? GEO_MISSING : s;
    },
  };
}

function integer(key: string, parse: (v: string | number) => number = Number): GeoVariableDef {
  return {
    type: 'INTEGER',
    get: (ctx) => {
      const v = field(ctx, key);
      const n = v === null ? 0 : parse(v);
      return Number.isFinite(n) ? Math.trunc(n) : 0;
    },
  };
}

function float(key: string): GeoVariableDef {
  return {
    type: 'FLOAT',
    get: (ctx) => {
      const v = field(ctx, key);
      const n = v === null ? 0 : Number(v);
      return Number.isFinite(n) ? n : 0;
    },
  };
}

/** Compute's gmt_offset is text such as `-0800`; VCL's is the INTEGER -800. */
function parseGmtOffset(v: string | number): number {
  return typeof v === 'number' ? v : parseInt(v.replace(/^\+/, ''), 10);
}

const PLACE_FIELDS: Record<string, GeoVariableDef> = {
  city: text('city', foldToAscii),
  'city.ascii': text('city', foldToAscii),
  'city.utf8': text('city'),
  'city.latin1': text('city', toLatin1),
  country_name: text('country_name', foldToAscii),
  'country_name.ascii': text('country_name', foldToAscii),
  'country_name.utf8': text('country_name'),
  'country_name.latin1': text('country_name', toLatin1),
  region: text('region'),
  'region.ascii': text('region'),
  'region.utf8': text('region'),
  'region.latin1': text('region'),
  country_code: text('country_code'),
  country_code3: text('country_code3'),
  continent_code: text('continent'),
  postal_code: text('postal_code'),
  area_code: integer('area_code'),
  metro_code: integer('metro_code'),
  latitude: float('latitude'),
  longitude: float('longitude'),
};

/** Every geolocation variable this engine provides, by full VCL name. */
export const GEO_VARIABLES: ReadonlyMap<string, GeoVariableDef> = new Map<string, GeoVariableDef>([
  ...Object.entries(PLACE_FIELDS).map(([k, v]) => [`client.geo.${k}`, v] as const),
  ...Object.entries(PLACE_FIELDS).map(([k, v]) => [`geoip.${k}`, v] as const),
  ['client.geo.conn_speed', text('conn_speed')],
  ['client.geo.conn_type', text('conn_type')],
  ['client.geo.proxy_type', text('proxy_type')],
  ['client.geo.proxy_description', text('proxy_description')],
  ['client.geo.gmt_offset', integer('gmt_offset', parseGmtOffset)],
  ['client.geo.utc_offset', integer('utc_offset', parseGmtOffset)],
  ['client.as.number', integer('as_number')],
  ['client.as.name', text('as_name')],
]);
