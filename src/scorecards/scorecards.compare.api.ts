// The JSON API of fair comparison, peer review and the worst 10%, under /api/v1/scorecards. Read only: every
// change goes through the pages, where each step is a form.
import Type from 'typebox';
import type { App, AppContext } from '../platform/module.ts';
import { problemSchema } from '../platform/http.ts';
import { compareServices, readCompareQuery } from './scorecards.compare.ts';
import { flags, readFlagsQuery } from './scorecards.flags.ts';
import { getReview, publishedReviews } from './scorecards.peer-review.ts';

const Uuid = Type.String({ format: 'uuid' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Significance = Type.Union([Type.Literal('high-99.8'), Type.Literal('high-95'), Type.Literal('as-expected'), Type.Literal('low-95'), Type.Literal('low-99.8')]);
const Kind = Type.Union([Type.Literal('involvement'), Type.Literal('joined-up'), Type.Literal('technical'), Type.Literal('framework')]);
const Indicator = Type.Union([Type.Literal('fft-positive'), Type.Literal('share-answered')]);

const Unit = Type.Object({
  serviceId: Uuid, service: Type.String(), organisationId: Uuid, organisation: Type.String(),
  numerator: Type.Integer(), denominator: Type.Integer(), value: Type.Number(),
  lower95: Type.Number(), upper95: Type.Number(), lower998: Type.Number(), upper998: Type.Number(), significance: Significance,
  adjusted: Type.Object({ observed: Type.Number(), expected: Type.Number({ description: 'Σ over deprivation deciles of the peer group’s rate × the service’s responses' }), ratio: Type.Number(), value: Type.Number(), lower998: Type.Number(), upper998: Type.Number(), significance: Significance }),
  rank: Type.Object({ rank: Type.Integer({ description: '1 = the highest figure' }), lower95: Type.Integer(), upper95: Type.Integer(), bottomDecileProbability: Type.Number() }),
  byDecile: Type.Array(Type.Object({ decile: Nullable(Type.Integer()), denominator: Type.Integer() })),
});

const Comparison = Type.Object({
  kind: Kind, indicator: Indicator, period: Type.String(), kindLabel: Type.String(), indicatorLabel: Type.String(),
  target: Type.Number(), phi: Nullable(Type.Number()), tau2: Nullable(Type.Number()), adjustedTau2: Nullable(Type.Number()),
  units: Type.Array(Unit), without: Type.Array(Type.Object({ serviceId: Uuid, service: Type.String(), organisation: Type.String() })),
}, { $id: 'ScorecardsComparison' });

const Review = Type.Object({
  id: Uuid, status: Type.Union([Type.Literal('open'), Type.Literal('published')]),
  service: Type.Object({ id: Uuid, name: Type.String(), kind: Kind, organisationId: Uuid, organisation: Type.String() }),
  commissioner: Nullable(Type.Object({ id: Uuid, name: Type.String() })),
  scope: Type.String(), evidence: Type.String(), findings: Type.String(), recommendations: Type.String(),
  ratings: Type.Array(Type.Object({ question: Type.Union([Type.Literal('safe'), Type.Literal('effective'), Type.Literal('caring'), Type.Literal('responsive'), Type.Literal('well-led')]), label: Type.String(), rating: Nullable(Type.Union([Type.Literal('outstanding'), Type.Literal('good'), Type.Literal('requires-improvement'), Type.Literal('inadequate')])), ratingLabel: Nullable(Type.String()) })),
  concernIndicator: Nullable(Indicator),
  reviewers: Type.Array(Type.Object({ userId: Uuid, name: Type.String(), organisationId: Uuid, organisation: Type.String(), lead: Type.Boolean(), declared: Type.Boolean(), hasConflict: Type.Boolean(), conflicts: Type.String() })),
  actions: Type.Array(Type.Object({ id: Uuid, action: Type.String(), dueOn: Type.String({ format: 'date' }) })),
  createdAt: Type.String(), publishedAt: Nullable(Type.String()), progressDueOn: Nullable(Type.String()), progressNotes: Type.String(), progressDoneAt: Nullable(Type.String()),
}, { $id: 'ScorecardsPeerReview' });

const Flag = Type.Object({
  serviceId: Uuid, service: Type.String(), organisation: Type.String(), kind: Kind, indicator: Indicator, indicatorLabel: Type.String(), period: Type.String(),
  state: Type.Union([Type.Literal('awaiting-peer-review'), Type.Literal('candidate'), Type.Literal('decided')]), stateLabel: Type.String(),
  evidence: Type.Array(Type.Object({ period: Type.String(), numerator: Type.Integer(), denominator: Type.Integer(), value: Type.Number(), adjustedRatio: Type.Number(), adjustedSignificance: Type.String(), bottomDecileProbability: Type.Number(), rank: Type.Integer(), rankLower95: Type.Integer(), rankUpper95: Type.Integer() })),
  fairness: Type.Array(Type.Object({ decile: Nullable(Type.Integer()), responses: Type.Integer() })),
  review: Nullable(Type.Object({ id: Uuid, publishedAt: Nullable(Type.String()) })),
  commissioner: Nullable(Type.Object({ id: Uuid, name: Type.String() })),
  decision: Nullable(Type.Object({ id: Uuid, decision: Type.Union([Type.Literal('improve'), Type.Literal('recommission'), Type.Literal('decommission')]), decisionLabel: Type.String(), reason: Type.String(), decidedBy: Type.String(), decidedAt: Type.String() })),
}, { $id: 'ScorecardsFlag' });

const errors = { 400: problemSchema, 404: problemSchema };
const tags = ['scorecards'];

export function compareApi(app: App, ctx: AppContext): void {
  const { db } = ctx;

  app.get('/api/v1/scorecards/compare', {
    schema: {
      tags, summary: 'Fair comparison of a peer group: funnel limits with overdispersion, risk adjustment by deprivation, ranks with intervals',
      description: 'Services of one kind (their decision type) for one indicator over a calendar year. Ranks come from 2,000 seeded simulations, so the same data always give the same ranks.',
      querystring: Type.Object({ kind: Type.String(), indicator: Type.String(), period: Type.String({ description: 'A calendar year, e.g. 2026' }) }),
      response: { 200: Comparison, ...errors },
    },
  }, async (request) => compareServices(db, readCompareQuery(request.query)));

  app.get('/api/v1/scorecards/peer-reviews', {
    schema: { tags, summary: 'Published peer reviews, in full, newest first', querystring: Type.Object({ service: Type.Optional(Uuid) }), response: { 200: Type.Array(Review), ...errors } },
  }, async (request) => publishedReviews(db, { serviceId: request.query.service }));

  app.get('/api/v1/scorecards/peer-reviews/:id', {
    schema: { tags, summary: 'One peer review: in full once published; while open, only to the people taking part', params: Type.Object({ id: Type.String() }), response: { 200: Review, ...errors } },
  }, async (request) => (await getReview(db, request.actor, request.params.id)).review);

  app.get('/api/v1/scorecards/flags', {
    schema: {
      tags, summary: 'The worst 10%: services statistically flagged (awaiting peer review), candidates confirmed by peer review, and decisions',
      querystring: Type.Object({ kind: Type.Optional(Type.String()), period: Type.Optional(Type.String()) }),
      response: { 200: Type.Array(Flag), ...errors },
    },
  }, async (request) => flags(db, readFlagsQuery(request.query)));
}
