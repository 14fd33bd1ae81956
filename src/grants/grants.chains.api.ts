// JSON routes for regranting chains and the fairness of grants.
import Type from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App, AppContext } from '../platform/module.ts';
import { problemSchema } from '../platform/http.ts';
import * as chains from './grants.chains.ts';
import { funderFairness, grantsFairness, publisherFairness } from './grants.fairness.ts';

const Problem = problemSchema;
const Decile = Type.Object({ decile: Type.Integer({ minimum: 1, maximum: 10 }), pence: Type.Integer(), share: Type.Number(), populationShare: Type.Number() });
const Nation = Type.Object({ deciles: Type.Array(Decile), concentrationIndex: Type.Union([Type.Number(), Type.Null()]), verdict: Type.String() });
/** The shape `commonweal grants fairness --json` prints. */
export const FairnessSchema = Type.Object({
  england: Nation, scotland: Nation,
  unplaced: Type.Object({
    count: Type.Integer(), pence: Type.Integer(),
    reasons: Type.Array(Type.Object({ reason: Type.String(), count: Type.Integer(), pence: Type.Integer() })),
    otherCurrencies: Type.Record(Type.String(), Type.Object({ count: Type.Integer(), minor: Type.Integer() }), { description: 'Currency → grants and total in its minor units: never added to pounds' }),
  }),
});
const description = 'Deciles 1 (most deprived) to 10 of IMD 2019 (England) and SIMD 2020 (Scotland); shares are of the pounds placed in that nation. A grant counts in the decile of its one small area; grants located only to a ward, district, region or country, or nowhere, are in `unplaced` by reason. Other currencies are apart, never added to pounds.';
const PotParams = Type.Object({ publisher: Type.String({ maxLength: 200 }), grant: Type.String({ minLength: 1, maxLength: 500 }) });
const security = [{ bearer: [] }];

export function chainsApi(app: App, ctx: AppContext): void {
  const { db } = ctx;
  app.register(async (plugin) => {
    const scoped = plugin.withTypeProvider<TypeBoxTypeProvider>();
    scoped.get('/api/v1/grants/publishers/:publisher/fairness', {
      schema: {
        tags: ['grants'], summary: 'Who a publisher’s grants reach (optionally one programme, by name), through the places fairness lens', description,
        params: Type.Object({ publisher: Type.String({ maxLength: 200 }) }), querystring: Type.Object({ programme: Type.Optional(Type.String({ maxLength: 500 })) }),
        response: { 200: FairnessSchema, 404: Problem },
      },
    }, async (request) => (await publisherFairness(db, request.params.publisher, request.query.programme ?? null)).fairness);

    scoped.get('/api/v1/grants/funders/:funder/fairness', {
      schema: {
        tags: ['grants'], summary: 'Who a funder’s grants reach across every publisher that names it (by its org-id)', description,
        params: Type.Object({ funder: Type.String({ maxLength: 200 }) }), response: { 200: FairnessSchema, 404: Problem },
      },
    }, async (request) => (await funderFairness(db, request.params.funder)).fairness);

    scoped.get('/api/v1/grants/publishers/:publisher/pots/:grant/fairness', {
      schema: { tags: ['grants'], summary: 'Who a regranting pot’s onward grants reach', description, params: PotParams, response: { 200: FairnessSchema, 404: Problem } },
    }, async (request) => {
      const pot = await chains.findPot(db, request.params.publisher, request.params.grant);
      return grantsFairness(db, { kind: 'pot', organisationId: pot.publisher.id, grantId: pot.row.grant_id });
    });

    scoped.get('/api/v1/grants/publishers/:publisher/pots/:grant', {
      schema: {
        tags: ['grants'], summary: 'A regranting pot: its amount, what has been regranted, to how many groups, where, what is left, and its onward grants', params: PotParams,
        response: { 200: Type.Object({
          pot: Type.Any(), intermediary: Type.Union([Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String() }), Type.Null()]),
          regrantedMinor: Type.Integer(), leftMinor: Type.Integer(), otherCurrencies: Type.Any(), grants: Type.Integer(), groups: Type.Integer(), individuals: Type.Integer(),
          byLocalAuthority: Type.Array(Type.Object({ code: Type.Union([Type.String(), Type.Null()]), name: Type.String(), grants: Type.Integer(), amountMinor: Type.Integer() })),
          onward: Type.Array(Type.Any()), fairness: FairnessSchema,
        }), 404: Problem },
      },
    }, async (request) => chains.potView(db, request.params.publisher, request.params.grant));

    scoped.post('/api/v1/grants/publishers/:publisher/pots/:grant/links', {
      config: { access: { roles: chains.CHAIN_LINKING_ROLES, organisation: (r) => { const p = r.params as { publisher: string; grant: string }; return chains.potIntermediaryId(db, p.publisher, p.grant); } } },
      schema: {
        tags: ['grants'], summary: 'Link or unlink the intermediary’s onward grants (by their 360Giving ids) to a pot it received (its staff only; audited)', security, params: PotParams,
        body: Type.Object({ link: Type.Optional(Type.Array(Type.String({ maxLength: 500 }), { maxItems: 1000 })), unlink: Type.Optional(Type.Array(Type.String({ maxLength: 500 }), { maxItems: 1000 })) }),
        response: { 200: Type.Object({ linked: Type.Integer(), unlinked: Type.Integer() }), 400: Problem, 401: Problem, 403: Problem, 404: Problem },
      },
    }, async (request) => chains.setOnwardLinks(db, request.actor, request.params.publisher, request.params.grant, request.body));
  });
}
