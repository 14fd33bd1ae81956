import Type from 'typebox';
import type { App, AppContext } from '../platform/module.ts';
import { problemSchema } from '../platform/http.ts';
import { AppError } from '../platform/errors.ts';
import * as service from './places.service.ts';
import { findPlace, type PlaceMatch } from './places.finder.ts';

const Problem = problemSchema;
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const Country = Type.Union([Type.Literal('england'), Type.Literal('scotland')]);
const IndexName = Type.Union([Type.Literal('imd2019'), Type.Literal('simd2020')]);
const AreaCode = Type.String({ pattern: '^[A-Za-z][0-9]{8}$', description: 'GSS code: an LSOA 2011 (E01…), data zone 2011 (S01…) or local authority (E06–E09…, S12…)' });

const Area = Type.Object({
  code: Type.String(),
  name: Type.String({ description: 'The published name (LSOA name, or the intermediate zone of a data zone)' }),
  label: Type.String({ description: 'What a person reads: the ward it lies in, then the published name, e.g. "Byker (Newcastle upon Tyne 026C)"' }),
  ward: Nullable(Type.Object({ code: Type.String(), name: Type.String() }, { description: 'Best-fit electoral ward, when a ward lookup is loaded' })),
  kind: Type.Union([Type.Literal('lsoa2011'), Type.Literal('datazone2011')]),
  localAuthority: Type.Object({ code: Type.String(), name: Type.String() }),
  country: Country,
  population: Type.Integer({ description: 'IoD2019 File 6 mid-2015 population excluding prisoners, or the SIMD 2020 total population' }),
  index: IndexName,
  indexLabel: Type.String(),
  rank: Type.Integer({ description: '1 = most deprived in its country (computed with the official method)' }),
  of: Type.Integer({ description: 'Number of small areas ranked' }),
  decile: Type.Integer({ minimum: 1, maximum: 10, description: '1 = most deprived 10%' }),
  score: Type.Number(),
});

const Domain = Type.Object({
  key: Type.String(), label: Type.String(), rank: Type.Number(), decile: Type.Integer(), weight: Type.Number(),
  transformed: Type.Number({ description: 'Exponentially transformed rank, 0 … 100' }),
  contribution: Type.Number({ description: 'weight × transformed: what the domain adds to the score' }),
});

const Summary = Type.Object({
  avgScore: Nullable(Type.Number()), avgRank: Type.Number(), proportion: Type.Number(), extent: Type.Number(),
  localConcentration: Type.Number(), rankOfAvgScore: Nullable(Type.Integer()), rankOfExtent: Type.Integer(),
});

const LocalAuthority = Type.Object({
  code: Type.String(), name: Type.String(), country: Country, areas: Type.Integer(), population: Type.Integer(),
  inDecile1: Type.Integer({ description: 'Small areas in the most deprived 10% nationally' }),
  summary: Nullable(Summary),
});

const Money = Type.String({ pattern: '^-?[0-9]+$', description: 'An integer as a decimal string (exact beyond 2^53)' });

const FairnessInput = Type.Object({
  amounts: Type.Array(Type.Object({
    areaCode: Type.String({ minLength: 1, maxLength: 20, description: 'An LSOA (E01…) or data zone (S01…) code, or a postcode (its small area is used)' }),
    amount: Type.Union([Type.Integer(), Type.String({ pattern: '^-?[0-9]{1,30}$' })], { description: 'Whole number: pence, minutes or people. Give a string for values beyond 2^53.' }),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 50000 }),
}, { additionalProperties: false });

const Band = Type.Object({ amount: Money, share: Type.Number(), populationShare: Type.Number() });
const FairnessReport = Type.Object({
  index: IndexName,
  indexLabel: Type.String(),
  total: Money,
  unmatchedTotal: Money,
  unmatched: Type.Array(Type.Object({ areaCode: Type.String(), amount: Money })),
  deciles: Type.Array(Type.Object({ decile: Type.Integer(), amount: Money, share: Type.Number(), population: Type.Integer(), populationShare: Type.Number() })),
  mostDeprived10: Band,
  mostDeprived20: Band,
  concentrationIndex: Type.Number({ description: 'Grouped concentration index, −1 … 1; negative means concentrated in the most deprived deciles' }),
  verdict: Type.String(),
});

const CustomIndexInput = Type.Object({
  transform: Type.Union([Type.Literal('exponential'), Type.Literal('normal')]),
  missing: Type.Optional(Type.Union([Type.Literal('error'), Type.Literal('drop')])),
  indicators: Type.Array(Type.Object({
    id: Type.String({ minLength: 1, maxLength: 60 }),
    weight: Type.Number({ minimum: 0 }),
    direction: Type.Optional(Type.Union([Type.Literal('higher-is-worse'), Type.Literal('higher-is-better')])),
    values: Type.Optional(Type.Array(Type.Object({ areaCode: Type.String({ maxLength: 20 }), value: Type.Number() }, { additionalProperties: false }), { maxItems: 50000 })),
    domain: Type.Optional(Type.String({ maxLength: 40, description: 'Use a published domain instead of values: income, employment, education, health, crime, barriers, livingEnvironment (IMD) or access, housing (SIMD)' })),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 20 }),
}, { additionalProperties: false });

const CustomIndexResult = Type.Object({
  rows: Type.Array(Type.Object({
    areaCode: Type.String(), score: Type.Number(), rank: Type.Integer(), decile: Type.Integer(),
    breakdown: Type.Array(Type.Object({ indicatorId: Type.String(), value: Type.Number(), rank: Type.Number(), transformed: Type.Number(), weight: Type.Number(), contribution: Type.Number() })),
  })),
  excluded: Type.Array(Type.String()),
});

const security = [{ bearer: [] }];

export function placesApi(app: App, ctx: AppContext): void {
  const { db } = ctx;

  app.get('/api/v1/places/areas', {
    schema: {
      tags: ['places'], summary: 'Find a place: a postcode, sector, ward, town, local authority, small-area name or code',
      description: 'Reads q with the place finder (the same as the search page): a full postcode in any spacing (its small area), a sector such as "NE6 1" or an outward code such as "NE6" (the small areas of its live postcodes), a ward or town name (each ward\'s small areas), a local-authority or small-area name or code. `match` says what matched and how; `areas` are the small areas found (for names, one page of those matching by name). A well-formed postcode that is not loaded is a 200 with match.kind "postcode-unknown"; text that cannot be a postcode is a 400.',
      querystring: Type.Object({
        q: Type.String({ minLength: 1, maxLength: 100 }),
        page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
        pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
      }),
      response: {
        200: Type.Object({
          q: Type.String(), page: Type.Integer(), pageSize: Type.Integer(), totalAreas: Type.Integer(),
          match: Type.Object({
            kind: Type.Union([
              Type.Literal('postcode'), Type.Literal('postcode-elsewhere'), Type.Literal('postcode-unknown'), Type.Literal('sector'), Type.Literal('outward'),
              Type.Literal('area'), Type.Literal('local-authority'), Type.Literal('names'), Type.Literal('nothing'), Type.Literal('empty'),
            ], { description: 'How q was read: postcode (its small area), postcode-unknown (well-formed but not loaded), postcode-elsewhere (in the directory, small area not loaded), sector or outward (postcode sector or district), area or local-authority (a code), names (wards, local authorities and small areas by name), nothing' }),
            summary: Type.String({ description: 'One plain sentence saying what matched and how' }),
            postcode: Type.Optional(Type.String()),
            terminated: Type.Optional(Nullable(Type.String({ description: 'YYYYMM: the month a terminated postcode ended' }))),
            sector: Type.Optional(Type.String()),
            wards: Type.Optional(Type.Array(Type.Object({
              code: Type.String(), name: Type.String(), localAuthority: Nullable(Type.Object({ code: Type.String(), name: Type.String() })),
              areas: Type.Array(Type.String(), { description: 'Codes of its small areas (each is also in `areas`)' }),
            }))),
          }),
          localAuthorities: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), country: Country })),
          areas: Type.Array(Area),
        }),
        400: Problem,
      },
    },
  }, async (request) => {
    const pageSize = request.query.pageSize ?? 25;
    const page = request.query.page ?? 1;
    const m: PlaceMatch = await findPlace(db, request.query.q, { limit: pageSize, page });
    if (m.kind === 'invalid') throw AppError.validation([{ field: 'q', message: m.message }]);
    const las = new Map((await service.listLocalAuthorities(db)).map((l) => [l.code, l]));
    const la = (code: string, name: string) => ({ code, name, country: las.get(code)?.country ?? (code.startsWith('S') ? 'scotland' as const : 'england' as const) });
    const base = { q: request.query.q, page, pageSize };
    switch (m.kind) {
      case 'postcode':
        return { ...base, totalAreas: 1, match: { kind: m.kind, summary: m.summary, postcode: m.postcode, terminated: m.terminated }, localAuthorities: [la(m.localAuthority.code, m.localAuthority.name)], areas: [m.area] };
      case 'postcode-elsewhere':
        return { ...base, totalAreas: 0, match: { kind: m.kind, summary: m.summary, postcode: m.postcode, terminated: m.terminated }, localAuthorities: [], areas: [] };
      case 'postcode-unknown':
        return { ...base, totalAreas: m.sector?.areas.length ?? 0, match: { kind: m.kind, summary: m.summary, postcode: m.postcode, ...(m.sector ? { sector: m.sector.sector } : {}) }, localAuthorities: [], areas: m.sector?.areas ?? [] };
      case 'sector':
      case 'outward':
        return { ...base, totalAreas: m.areas.length, match: { kind: m.kind, summary: m.summary, sector: m.sector }, localAuthorities: [], areas: m.areas };
      case 'area':
        return { ...base, totalAreas: 1, match: { kind: m.kind, summary: m.summary }, localAuthorities: [], areas: [m.area] };
      case 'local-authority':
        return { ...base, totalAreas: 0, match: { kind: m.kind, summary: m.summary }, localAuthorities: [la(m.localAuthority.code, m.localAuthority.name)], areas: [] };
      case 'names': {
        const wardAreas = m.wards.flatMap((w) => w.areas);
        const seen = new Set(wardAreas.map((a) => a.code));
        return {
          ...base, totalAreas: m.totalAreas + seen.size,
          match: { kind: m.kind, summary: m.summary, wards: m.wards.map((w) => ({ code: w.code, name: w.name, localAuthority: w.localAuthority, areas: w.areas.map((a) => a.code) })) },
          localAuthorities: m.localAuthorities.map((l) => la(l.code, l.name)),
          areas: [...(page === 1 ? wardAreas : []), ...m.areas.filter((a) => !seen.has(a.code))],
        };
      }
      default:
        return { ...base, totalAreas: 0, match: { kind: m.kind, summary: m.summary }, localAuthorities: [], areas: [] };
    }
  });

  app.get('/api/v1/places/areas/:code', {
    schema: {
      tags: ['places'], summary: 'One small area: rank, decile, the seven domains, neighbours in rank and what it means',
      params: Type.Object({ code: AreaCode }),
      response: {
        200: Type.Object({
          area: Area,
          published: Type.Object({ rank: Type.Number(), decile: Type.Integer() }, { description: 'The rank and decile as the publisher gave them, for comparison' }),
          domains: Type.Array(Domain),
          neighbours: Type.Array(Area),
          explanation: Type.Array(Type.String()),
        }),
        400: Problem, 404: Problem,
      },
    },
  }, async (request) => service.getArea(db, request.params.code));

  app.get('/api/v1/places/local-authorities', {
    schema: {
      tags: ['places'], summary: 'Every local authority with its IMD 2019 district summary (England) and counts',
      querystring: Type.Object({ country: Type.Optional(Country) }),
      response: { 200: Type.Array(LocalAuthority), 400: Problem },
    },
  }, async (request) => {
    const all = await service.listLocalAuthorities(db);
    return request.query.country ? all.filter((l) => l.country === request.query.country) : all;
  });

  app.get('/api/v1/places/local-authorities/:code', {
    schema: {
      tags: ['places'], summary: 'One local authority: its small areas by need and its district summaries',
      params: Type.Object({ code: AreaCode }),
      response: {
        200: Type.Object({
          localAuthority: Type.Object({ code: Type.String(), name: Type.String(), country: Country }),
          population: Type.Integer(),
          districts: Type.Integer(),
          byDecile: Type.Array(Type.Object({ decile: Type.Integer(), areas: Type.Integer(), population: Type.Integer() })),
          summaries: Type.Array(Type.Object({
            measure: Type.String(), label: Type.String(), avgScore: Nullable(Type.Number()), avgRank: Type.Number(), proportion: Type.Number(),
            extent: Type.Number(), localConcentration: Type.Number(), rankOfAvgScore: Nullable(Type.Integer()), rankOfAvgRank: Type.Integer(),
            rankOfProportion: Type.Integer(), rankOfExtent: Type.Integer(), rankOfLocalConcentration: Type.Integer(),
          })),
          areas: Type.Array(Area),
        }),
        400: Problem, 404: Problem,
      },
    },
  }, async (request) => service.getLocalAuthority(db, request.params.code));

  app.post('/api/v1/places/fairness', {
    config: { access: 'public' },
    schema: {
      tags: ['places'], summary: 'The fairness lens: how amounts attached to small areas reach each deprivation decile, against population',
      description: 'Send integer amounts (pence, minutes, people) per LSOA or data zone; repeated codes are summed. English and Scottish areas are judged against their own country. Writes nothing.',
      security, body: FairnessInput, response: { 200: FairnessReport, 400: Problem, 401: Problem, 403: Problem, 503: Problem },
    },
  }, async (request) => service.fairnessReport(db, await service.areasForPostcodes(db, request.body.amounts.map((a) => [a.areaCode, typeof a.amount === 'string' ? BigInt(a.amount) : a.amount] as const), 'amounts')));

  app.post('/api/v1/places/custom-index', {
    config: { access: 'public' },
    schema: {
      tags: ['places'], summary: 'Build a custom local index from your own indicators and published domains, with each area’s breakdown',
      description: 'Ranks each indicator (1 = most deprived; ties share the mean rank), transforms ranks (exponential as the IMD, or normal), and sums with weights normalised to 1. Writes nothing.',
      security, body: CustomIndexInput, response: { 200: CustomIndexResult, 400: Problem, 401: Problem, 403: Problem },
    },
  }, async (request) => {
    const result = await service.buildCustomIndex(db, request.body);
    return { rows: result.rows.map((r) => ({ ...r, breakdown: [...r.breakdown] })), excluded: result.excluded };
  });
}
