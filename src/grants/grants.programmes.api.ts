// The JSON API of grant programmes, under /api/v1/grants: the public parts (programmes, their decisions and
// awards) and opening a programme (a verified funder's staff). Nothing of an application is served here.
// Amounts are integer pence; dates YYYY-MM-DD.
import Type from 'typebox';
import type { App, AppContext } from '../platform/module.ts';
import { problemSchema } from '../platform/http.ts';
import * as programmes from './grants.programmes.ts';
import * as awards from './grants.awards.ts';

const Problem = problemSchema;
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem };
const security = [{ bearer: [] }];
const tags = ['grants'];
const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const Pence = Type.Integer({ description: 'Integer pence (£1 = 100)' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const Question = Type.Object({ key: Type.String(), label: Type.String(), kind: Type.String(), required: Type.Boolean(), choices: Type.Array(Type.String()) });
const Criterion = Type.Object({ key: Type.String(), label: Type.String(), weight: Type.Integer() });
const Programme = Type.Object({
  id: Type.String({ format: 'uuid' }), funder: Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String() }), title: Type.String(), purpose: Type.String(),
  areas: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), areas: Type.Integer(), population: Type.Integer(), inDecile1: Type.Integer(), shareInDecile1: Type.Number({ description: 'Share of its small areas in the most deprived tenth' }) })),
  recipientTypes: Type.Array(Type.Object({ value: Type.String(), label: Type.String() })),
  minPence: Pence, maxPence: Pence, budgetPence: Pence, awardedPence: Pence, leftPence: Pence, opensOn: Day, closesOn: Day,
  state: Type.Union([Type.Literal('upcoming'), Type.Literal('open'), Type.Literal('closed')]),
  questions: Type.Array(Question), criteria: Type.Array(Criterion), panelChair: Nullable(Type.Object({ id: Type.String(), name: Type.String() })),
  pot: Nullable(Type.Object({ organisationId: Type.String(), grantId: Type.String() })), createdAt: Type.String(),
}, { $id: 'GrantsProgramme' });

const Decisions = Type.Object({
  awards: Type.Array(Type.Object({ awardId: Nullable(Type.String()), grantId: Nullable(Type.String({ description: 'The award’s 360Giving id' })), recipient: Type.String(), title: Type.String(), amountPence: Pence, reasons: Type.String(), decidedOn: Day, laCode: Nullable(Type.String()) })),
  declined: Type.Integer({ description: 'Applications declined (not named)' }),
}, { $id: 'GrantsProgrammeDecisions' });

const Award = Type.Object({
  id: Type.String(), grantId: Type.String(), status: Type.String(), awardedOn: Day, amountPence: Pence, conditions: Type.String(),
  programme: Type.Object({ id: Type.String(), title: Type.String() }), funder: Type.Object({ id: Type.String(), name: Type.String(), slug: Type.String() }),
  recipient: Type.String(), title: Type.String(), laCode: Nullable(Type.String()), reasons: Nullable(Type.String()),
  payments: Type.Array(Type.Object({
    number: Type.Integer(), dueOn: Day, amountPence: Pence, paidOn: Nullable(Day),
    spend: Nullable(Type.Object({ fileId: Type.String(), line: Type.Integer(), url: Type.String({ description: 'The funder’s spend file page' }) }, { description: 'The spending line the paid instalment was published as, when the funder is a verified public body' })),
  })),
  reports: Type.Array(Type.Object({ number: Type.Integer(), kind: Type.String(), dueOn: Day, submittedAt: Nullable(Type.String()), text: Nullable(Type.String({ description: 'Only for the funder and the recipient' })) })),
  variations: Type.Array(Type.Object({ reason: Type.String(), conditions: Nullable(Type.String()), madeAt: Type.String() })),
  paidPence: Pence,
}, { $id: 'GrantsAward' });

export function grantsProgrammesApi(app: App, ctx: AppContext): void {
  const { db } = ctx;
  const Id = Type.Object({ id: Type.String({ maxLength: 64 }) });

  app.get('/api/v1/grants/programmes', {
    schema: {
      tags, summary: 'Grant programmes run on Commonweal (public)',
      querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })), la: Type.Optional(Type.String({ maxLength: 20, description: 'A local authority code: programmes that give there (or anywhere)' })), open: Type.Optional(Type.Boolean()), funder: Type.Optional(Type.String({ maxLength: 200 })) }),
      response: { 200: Type.Object({ programmes: Type.Array(Programme) }), 404: Problem },
    },
  }, async (request) => {
    const q = request.query as { q?: string; la?: string; open?: boolean; funder?: string };
    return { programmes: await programmes.listProgrammes(db, { q: q.q, laCode: q.la, open: q.open, funder: q.funder }) };
  });

  app.get('/api/v1/grants/programmes/:id', {
    schema: { tags, summary: 'A grant programme (public)', params: Id, response: { 200: Programme, 404: Problem } },
  }, async (request) => programmes.getProgramme(db, (request.params as { id: string }).id));

  app.get('/api/v1/grants/programmes/:id/decisions', {
    schema: { tags, summary: 'A programme’s decisions and awards (public; declined applicants are counted, not named)', params: Id, response: { 200: Decisions, 404: Problem } },
  }, async (request) => awards.programmeDecisions(db, (request.params as { id: string }).id));

  app.get('/api/v1/grants/awards/:id', {
    schema: { tags, summary: 'An award of a programme (public): its 360Giving id, conditions, payments, reports due and variations', params: Id, response: { 200: Award, 404: Problem } },
  }, async (request) => awards.getAward(db, request.actor, (request.params as { id: string }).id));

  app.post('/api/v1/grants/programmes', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'Open a grant programme (a verified funder’s staff, finance officers or administrators)',
      description: 'areas are local authority codes (none: anywhere); questions are {label, kind: text|number|choice|file|budget|postcode, required?, choices?}; criteria {label, weight 1–100}; panelChair a user id of one of the funder’s people; pot the key of a pot the funder received (GET /api/v1/grants/… pots), whose onward grants the awards become.',
      body: Type.Object({
        funder: Type.String({ maxLength: 200 }), title: Type.String({ maxLength: 300 }), purpose: Type.String({ maxLength: 6000 }), areas: Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: 400 })),
        recipientTypes: Type.Array(Type.String({ maxLength: 60 }), { maxItems: 10 }), minPence: Type.Integer(), maxPence: Type.Integer(), budgetPence: Type.Integer(), opensOn: Type.String({ maxLength: 10 }), closesOn: Type.String({ maxLength: 10 }),
        questions: Type.Optional(Type.Array(Type.Object({ label: Type.String({ maxLength: 600 }), kind: Type.String({ maxLength: 20 }), required: Type.Optional(Type.Boolean()), choices: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 30 })) }), { maxItems: 60 })),
        criteria: Type.Array(Type.Object({ label: Type.String({ maxLength: 400 }), weight: Type.Integer() }), { maxItems: 30 }),
        panelChair: Type.Optional(Type.String({ maxLength: 64 })), pot: Type.Optional(Type.String({ maxLength: 700 })),
      }, { additionalProperties: false }),
      response: { 201: Programme, ...errors },
    },
  }, async (request, reply) => reply.code(201).send(await programmes.openProgramme(ctx, request.actor, request.body as programmes.ProgrammeInput)));
}
