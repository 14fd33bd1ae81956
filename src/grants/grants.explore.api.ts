// The explorer's API: GET /api/v1/grants (the search page's filters, a page of grants and the totals of all it
// matches) and GET /api/v1/grants/publishers/{publisher}/360giving.json (a publisher's grants as a 360Giving
// 1.4.3 package, streamed). Public: only published grants.
import Type from 'typebox';
import type { App, AppContext } from '../platform/module.ts';
import { problemSchema } from '../platform/http.ts';
import { getOrganisation } from '../organisations/organisations.service.ts';
import * as explore from './grants.explore.ts';
import { CONTENT_TYPES, exportGrants, type ExportFormat } from './grants.export.ts';
import { describe } from './grants.explore.pages.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const text = (description: string, maxLength = 200) => Type.Optional(Type.String({ maxLength, description }));

/** The filters, as GET /api/v1/grants and its downloads take them (the same as the search page's). */
export const FilterQuery = {
  q: text('Words in the title, description or recipient’s name (websearch syntax: "a phrase", -word, or)', 500),
  funder: text('A funder’s org-id (e.g. GB-CHC-1156077) or its name'),
  recipient: text('A recipient organisation’s org-id or its name'),
  programme: text('A grant programme’s title'),
  minAmount: text('Smallest amount in pounds (e.g. 500 or 1,250.50): grants in other currencies are left out'),
  maxAmount: text('Largest amount in pounds'),
  from: text('First award date, yyyy-mm-dd'),
  to: text('Last award date, yyyy-mm-dd'),
  financialYear: text('UK financial year by the year it starts (2023 or 2023-24: April 2023 to March 2024)'),
  place: text('A place as a person names it (postcode, ward, town, local authority), read by the place finder; several matches are a 400 listing them'),
  la: text('Local authority GSS codes, comma-separated'),
  area: text('Small-area (LSOA 2011 / data zone 2011) codes, comma-separated; grants to individuals are never found by small area', 2000),
  regrantType: text('A 360Giving regrant type code, or "any" for every regrant'),
  recipientType: Type.Optional(Type.Union(explore.RECIPIENT_KINDS.map((k) => Type.Literal(k.value)), { description: 'charity, company, unregistered (group), individual or other' })),
  publisher: text('The publisher’s organisation id'),
};

const Grant = Type.Object({
  id: Type.String(), publisherId: Type.String(), title: Type.String(), description: Nullable(Type.String()),
  amountMinor: Type.Integer({ description: 'In the minor units of its currency (pence for GBP)' }), currency: Type.String(), awardDate: Type.String(),
  funder: Type.Object({ id: Nullable(Type.String()), name: Nullable(Type.String()) }),
  recipient: Type.Object({ id: Nullable(Type.String()), name: Type.String({ description: '"An individual" for a grant to a person' }), kind: Type.String() }),
  programme: Nullable(Type.String()), regrantType: Nullable(Type.String()), relatedActivity: Type.Array(Type.String()),
  location: Type.Object({ localAuthority: Nullable(Type.String()), smallArea: Nullable(Type.String()), precision: Nullable(Type.String()), source: Nullable(Type.String()) }),
});
const Totals = Type.Object({
  grants: Type.Integer(), gbpPence: Type.Integer({ description: 'GBP grants only, in pence' }),
  otherCurrencies: Type.Record(Type.String(), Type.Object({ grants: Type.Integer(), total: Type.Integer() }), { description: 'Currency → count and total in its minor units; never added to pounds' }),
  firstAwardDate: Nullable(Type.String()), lastAwardDate: Nullable(Type.String()),
});
const errors = { 400: problemSchema, 404: problemSchema };

export function grantsExploreApi(app: App, ctx: AppContext): void {
  const { db } = ctx;

  app.get('/api/v1/grants', {
    schema: {
      tags: ['grants'], summary: 'Search published grants: the search page’s filters, a page of grants (newest first) and the totals of everything matched',
      description: 'Add `format=csv`, `json` or `360giving` for every matching grant as a download (streamed; a 360Giving 1.4.3 package with individuals anonymised to their local authority).',
      querystring: Type.Object({ ...FilterQuery, page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })), format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json'), Type.Literal('360giving')])) }),
      response: {
        200: Type.Object({ filters: Type.Object({ place: Nullable(Type.String()) }), page: Type.Integer(), pageSize: Type.Integer(), pages: Type.Integer(), totals: Totals, grants: Type.Array(Grant) }),
        ...errors,
      },
    },
  }, async (request, reply) => {
    const read = await explore.requireFilters(db, request.query as Record<string, unknown>);
    const format = request.query.format as ExportFormat | undefined;
    if (format) {
      const stream = await exportGrants(db, read.filters, format, { title: 'Grants from Commonweal’s grants explorer', description: `Published grants matching: ${describe(read)}`, downloadURL: `${ctx.config.baseUrl}${request.url}` });
      return reply.type(CONTENT_TYPES[format]).send(stream as never);
    }
    const result = await explore.searchGrants(db, read.filters, request.query.page ?? 1);
    return { filters: { place: read.placeLabel }, ...result };
  });

  app.get('/api/v1/grants/publishers/:publisher/360giving.json', {
    schema: {
      tags: ['grants'], summary: 'A publisher’s current grants as a 360Giving 1.4.3 package (streamed), optionally one programme’s',
      description: 'Valid against the 1.4.3 package schema. A grant to an individual is anonymised to its local authority; each grant carries its relatedActivity as published. 404 when nothing matches (a package holds at least one grant).',
      params: Type.Object({ publisher: Type.String({ maxLength: 200 }) }),
      querystring: Type.Object({ programme: text('A programme’s title') }),
      response: { 200: Type.Any({ description: 'A 360Giving package: { version, title, issued, publisher, grants: [...] }' }), ...errors },
    },
  }, async (request, reply) => {
    const org = await getOrganisation(db, request.params.publisher);
    const stream = await publisherPackage(ctx, org, request.query.programme);
    return reply.type(CONTENT_TYPES['360giving']).send(stream);
  });
}

/** A publisher's grants (one programme's, if named) as a 360Giving package stream: the API's and the CLI's. */
export async function publisherPackage(ctx: AppContext, org: { id: string; name: string; slug: string; identifiers: string[] }, programme?: string, format: ExportFormat = '360giving') {
  return exportGrants(ctx.db, { publisherId: org.id, programme }, format, {
    title: `Grants published by ${org.name}${programme ? `: ${programme}` : ''}`,
    description: `The current grants ${org.name} has published${programme ? ` in the programme ${programme}` : ''}, as held by Commonweal.`,
    publisher: { name: org.name, ...(org.identifiers[0] ? { identifier: org.identifiers[0] } : {}) },
    downloadURL: `${ctx.config.baseUrl}/api/v1/grants/publishers/${encodeURIComponent(org.slug)}/360giving.json${programme ? `?programme=${encodeURIComponent(programme)}` : ''}`,
  });
}
