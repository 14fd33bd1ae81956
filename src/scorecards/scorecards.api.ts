// The scorecards JSON API: a service's and a provider's scorecard for a financial year.
import Type from 'typebox';
import type { App, AppContext } from '../platform/module.ts';
import { problemSchema } from '../platform/http.ts';
import { buildScorecard, organisationSubject, serviceSubject } from './scorecards.service.ts';
import { periodFor, scorecardJson } from './scorecards.card.pages.ts';

const Figure = Type.Object({ key: Type.String(), label: Type.String(), value: Type.String(), href: Type.Optional(Type.String()) });
const Scorecard = Type.Object({
  subject: Type.Object({
    kind: Type.Union([Type.Literal('service'), Type.Literal('organisation')]), id: Type.String(), name: Type.String(),
    decisionType: Type.Union([Type.String(), Type.Null()]), organisation: Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String() }),
  }),
  period: Type.Object({ name: Type.String({ description: 'Financial year, like 2024-25' }), from: Type.String({ format: 'date' }), to: Type.String({ format: 'date' }) }),
  periods: Type.Array(Type.String(), { description: 'The financial years offered, newest first' }),
  sections: Type.Array(Type.Object({
    key: Type.String(), heading: Type.String(), figures: Type.Array(Figure),
    data: Type.Record(Type.String(), Type.Unknown(), { description: 'The section’s figures as numbers (money in integer pence)' }),
  })),
}, { $id: 'Scorecard' });

const tags = ['scorecards'];
const query = Type.Object({ period: Type.Optional(Type.String({ description: 'Financial year, like 2024-25; by default the latest with stories' })) });
const errors = { 400: problemSchema, 404: problemSchema };

export function scorecardsApi(app: App, ctx: AppContext): void {
  app.get('/api/v1/scorecards/services/:id', {
    schema: { tags, summary: 'The scorecard of a service for a financial year', params: Type.Object({ id: Type.String() }), querystring: query, response: { 200: Scorecard, ...errors } },
  }, async (request) => {
    const subject = await serviceSubject(ctx.db, request.params.id);
    const { period, periods } = await periodFor(ctx, subject, request.query);
    return scorecardJson(await buildScorecard(ctx.db, subject, period, periods));
  });
  app.get('/api/v1/scorecards/organisations/:id', {
    schema: { tags, summary: 'The scorecard of a provider organisation (by id, slug or org-id) for a financial year', params: Type.Object({ id: Type.String() }), querystring: query, response: { 200: Scorecard, ...errors } },
  }, async (request) => {
    const subject = await organisationSubject(ctx.db, request.params.id);
    const { period, periods } = await periodFor(ctx, subject, request.query);
    return scorecardJson(await buildScorecard(ctx.db, subject, period, periods));
  });
}
