import Type from 'typebox';
import type { App, AppContext } from '../platform/module.ts';
import { AppError } from '../platform/errors.ts';
import { problemSchema } from '../platform/http.ts';
import * as service from './commissioning.service.ts';

const Uuid = Type.String({ format: 'uuid' });
const Pence = Type.Integer({ description: 'Integer pence' });
const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Text = (max: number, description?: string) => Type.String({ maxLength: max, ...(description ? { description } : {}) });
const Problem = problemSchema;
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem };
const Id = Type.Object({ id: Type.String() });
const security = [{ bearer: [] }];
const tags = ['commissioning'];
const Ocds = Type.Record(Type.String(), Type.Unknown(), { description: 'OCDS 1.1.5 release package' });

const Lot = Type.Object({
  id: Uuid, number: Type.Integer(), title: Type.String(), description: Type.String(), valuePence: Pence,
  suitableForSme: Type.Boolean(), suitableForVcse: Type.Boolean(), unsuitableReason: Nullable(Type.String()),
});
const Criterion = Type.Object({ id: Uuid, kind: Type.String(), kindLabel: Type.String(), title: Type.String(), weight: Type.Integer() });
const Summary = Type.Object({
  id: Uuid, ocid: Type.String(), organisationId: Uuid, organisationName: Type.String(), title: Type.String(), status: Type.String(), statusLabel: Type.String(),
  valuePence: Pence, bidDeadline: Type.String({ format: 'date-time' }), publishedAt: Nullable(Type.String()), lots: Type.Integer(), lotsForSmallProviders: Type.Integer(), href: Type.String(),
});
const Opportunity = Type.Object({
  id: Uuid, ocid: Type.String(), title: Type.String(), description: Type.String(), status: Type.String(), statusLabel: Type.String(),
  organisation: Type.Object({ id: Uuid, name: Type.String(), slug: Type.String() }),
  need: Nullable(Type.Object({ id: Uuid, title: Type.String(), href: Type.String(), decisionTypeLabel: Type.String() })),
  valuePence: Pence, bidDeadline: Type.String(), contractStart: Nullable(Type.String()), contractEnd: Nullable(Type.String()), standstillDays: Type.Integer(), publishedAt: Nullable(Type.String()),
  lots: Type.Array(Lot), criteria: Type.Array(Criterion), documents: Type.Array(Type.Object({ id: Uuid, title: Type.String(), url: Type.String() })),
  questions: Type.Array(Type.Object({ id: Uuid, question: Type.String(), answer: Nullable(Type.String()), askedAt: Type.String(), answeredAt: Nullable(Type.String()) })),
  interests: Type.Array(Type.Object({ organisationId: Uuid, name: Type.String(), slug: Type.String(), sector: Type.String(), seekingPartners: Type.Boolean(), note: Type.String() })),
  bidCount: Nullable(Type.Integer({ description: 'Null for all but the commissioners while the opportunity is open' })),
  myBids: Type.Array(Type.Object({ id: Uuid, lotId: Uuid, status: Type.String(), submittedAt: Type.String(), receipt: Type.String(), versions: Type.Integer() })),
  awards: Type.Array(Type.Object({ id: Uuid, lotId: Uuid, valuePence: Pence, decidedAt: Type.String(), standstillEnds: Type.String(), suppliers: Type.Array(Type.Object({ id: Uuid, name: Type.String() })) })),
  contracts: Type.Array(Type.Object({ id: Uuid, title: Type.String(), href: Type.String() })),
  releases: Type.Array(Type.Object({ id: Type.String(), tags: Type.Array(Type.String()), publishedAt: Type.String() })),
});
const Bid = Type.Object({
  id: Uuid, processId: Uuid, lotId: Uuid, status: Type.String(), submittedAt: Type.String(), receipt: Type.String({ description: 'SHA-256 of the sealed content' }), versions: Type.Integer(),
  lead: Type.Object({ id: Uuid, name: Type.String() }),
  members: Type.Array(Type.Object({ id: Uuid, name: Type.String(), sector: Type.String(), isLead: Type.Boolean(), sharePercent: Type.Integer(), consent: Type.Union([Type.Literal('invited'), Type.Literal('accepted'), Type.Literal('declined')]) })),
  sealed: Type.Boolean({ description: 'True until the deadline passes: no one can read the content before then' }),
  content: Nullable(Type.Object({ pricePence: Pence, approach: Type.String(), socialValue: Type.String(), version: Type.Integer() })),
});
const Receipt = Type.Object({
  bidId: Uuid, processId: Uuid, lotId: Uuid, version: Type.Integer(), receipt: Type.String(), submittedAt: Type.String(),
  status: Type.Union([Type.Literal('awaiting-partners'), Type.Literal('submitted')], { description: 'awaiting-partners until every consortium member has accepted; only then is the bid submitted' }),
  awaitingConsentFrom: Type.Array(Type.Object({ id: Uuid, name: Type.String() })),
});
const Invitation = Type.Object({
  bidId: Uuid, memberOrganisation: Type.Object({ id: Uuid, name: Type.String() }), lead: Type.Object({ id: Uuid, name: Type.String() }), sharePercent: Type.Integer(),
  opportunity: Type.Object({ id: Uuid, title: Type.String(), href: Type.String(), bidDeadline: Type.String() }), lot: Type.Object({ id: Uuid, number: Type.Integer(), title: Type.String() }),
  invitedAt: Type.String(), open: Type.Boolean(),
});
const Released = Type.Object({ id: Uuid, ocid: Type.String(), releaseId: Type.String() });
const ContractSummary = Type.Object({
  id: Uuid, ocid: Type.String(), organisationId: Uuid, supplierOrganisationIds: Type.Array(Uuid), title: Type.String(), valuePence: Pence,
  startDate: Nullable(Type.String()), endDate: Nullable(Type.String()), href: Type.String(),
  milestones: Type.Array(Type.Object({ id: Uuid, title: Type.String(), dueDate: Nullable(Type.String()) })),
});
const Contract = Type.Object({
  id: Uuid, ocid: Type.String(), title: Type.String(), valuePence: Pence, startDate: Nullable(Type.String()), endDate: Nullable(Type.String()), signedAt: Type.String(),
  buyer: Type.Object({ id: Uuid, name: Type.String(), slug: Type.String() }),
  opportunity: Type.Object({ id: Uuid, title: Type.String(), href: Type.String() }),
  lot: Nullable(Lot),
  suppliers: Type.Array(Type.Object({ id: Uuid, name: Type.String(), slug: Type.String(), sector: Type.String(), legalFormLabel: Type.String(), isLead: Type.Boolean(), sharePercent: Type.Integer() })),
  milestones: Type.Array(Type.Object({ id: Uuid, title: Type.String(), dueDate: Nullable(Type.String()), status: Type.String(), dateMet: Nullable(Type.String()) })),
  kpis: Type.Array(Type.Object({ id: Uuid, title: Type.String(), target: Type.Integer(), unit: Type.String() })),
  payments: Type.Object({
    paidPence: Pence, remainingPence: Type.Integer(),
    lines: Type.Array(Type.Object({ date: Nullable(Type.String()), netPence: Type.Integer(), supplierName: Nullable(Type.String()), payee: Type.String() })),
  }),
});

const LotInput = Type.Object({
  title: Text(200), description: Type.Optional(Text(2000)), valuePence: Type.Integer({ minimum: 0, maximum: service.maxValuePence }),
  suitableForSme: Type.Boolean(), suitableForVcse: Type.Boolean(), unsuitableReason: Type.Optional(Text(1000, 'Required when the lot is not suitable for SMEs or VCSEs')),
}, { additionalProperties: false });
const ProcessInput = Type.Object({
  organisation: Text(200, 'The buying organisation: id, org-id identifier or slug'), needId: Type.Optional(Uuid),
  title: Text(200), description: Text(5000), valuePence: Type.Integer({ minimum: 0, maximum: service.maxValuePence }),
  bidDeadline: Type.String({ format: 'date-time' }), contractStart: Type.Optional(Type.String({ format: 'date' })), contractEnd: Type.Optional(Type.String({ format: 'date' })),
  standstillDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 60 })),
  lots: Type.Array(LotInput, { minItems: 1, maxItems: 50 }),
  criteria: Type.Array(Type.Object({ kind: Type.Union([Type.Literal('price'), Type.Literal('quality'), Type.Literal('social-value')]), title: Text(200), weight: Type.Integer({ minimum: 1, maximum: 100 }) }, { additionalProperties: false }), { minItems: 1, maxItems: 20, description: 'Weights sum to 100; social value is one of them' }),
  documents: Type.Optional(Type.Array(Type.Object({ title: Text(200), url: Text(2000) }, { additionalProperties: false }), { maxItems: 20 })),
}, { additionalProperties: false });
const Area = Type.Object({
  code: Type.String(), name: Type.String(), localAuthority: Type.Object({ code: Type.String(), name: Type.String() }), population: Type.Integer(),
  indexLabel: Type.String(), rank: Type.Integer(), of: Type.Integer(), decile: Type.Integer({ description: '1 = most deprived 10% nationally' }),
});
const NeedInput = Type.Object({
  organisation: Text(200), title: Text(200), description: Text(5000), outcomes: Type.Array(Text(300), { minItems: 1, maxItems: 30 }),
  decisionType: Type.Union([Type.Literal('involvement'), Type.Literal('joined-up'), Type.Literal('technical'), Type.Literal('framework')]),
  laCode: Type.Optional(Text(9)), areaCodes: Type.Optional(Type.Array(Text(9), { maxItems: 500 })),
  outcomeAgreement: Type.Optional(Text(500)), leadOrganisation: Type.Optional(Text(200)), partnerOrganisations: Type.Optional(Type.Array(Text(200), { maxItems: 30 })),
  sharedOutcomes: Type.Optional(Type.Array(Text(300), { maxItems: 30 })), measures: Type.Optional(Type.Array(Text(500), { maxItems: 50, description: '“measure | target | benchmark”' })),
  decidedBy: Type.Optional(Text(200)), decidedOn: Type.Optional(Type.String({ format: 'date' })), priorities: Type.Optional(Type.Array(Text(300), { maxItems: 20 })), rationale: Type.Optional(Text(3000)),
}, { additionalProperties: false });
const Need = Type.Object({
  id: Uuid, organisationId: Uuid, title: Type.String(), description: Type.String(), outcomes: Type.Array(Type.String()), decisionType: Type.String(), decisionTypeLabel: Type.String(),
  laCode: Nullable(Type.String()), areaCodes: Type.Array(Type.String()), decision: Type.Record(Type.String(), Type.Unknown()), createdAt: Type.String(), href: Type.String(),
});

export function commissioningApi(app: App, ctx: AppContext): void {
  const { db } = ctx;
  const base = () => ctx.config.baseUrl;

  app.get('/api/v1/commissioning/opportunities', {
    schema: { tags, summary: 'Published opportunities (and your organisation’s drafts, if you commission)', querystring: Type.Object({ organisation: Type.Optional(Uuid), status: Type.Optional(Type.String({ maxLength: 20 })) }), response: { 200: Type.Array(Summary), ...errors } },
  }, async (request) => service.listOpportunities(db, request.actor, { organisationId: request.query.organisation, status: request.query.status }));

  app.post('/api/v1/commissioning/opportunities', {
    config: { access: 'signed-in' },
    schema: { tags, security, summary: 'Create a draft opportunity with lots, weighted award criteria and documents (commissioners)', body: ProcessInput, response: { 201: Type.Object({ id: Uuid, ocid: Type.String(), status: Type.String(), href: Type.String() }), ...errors } },
  }, async (request, reply) => reply.status(201).send(await service.createProcess(db, request.actor, request.body)));

  app.get('/api/v1/commissioning/opportunities/:id', {
    schema: { tags, summary: 'One opportunity: lots, criteria, documents, answered questions, interest, awards, releases', params: Id, response: { 200: Opportunity, ...errors } },
  }, async (request) => service.getOpportunity(db, request.actor, request.params.id));

  app.post('/api/v1/commissioning/opportunities/:id/publish', {
    config: { access: 'signed-in' },
    schema: { tags, security, summary: 'Publish a draft: open for bids, in the feed and as an OCDS tender release (commissioners)', params: Id, response: { 200: Released, ...errors } },
  }, async (request) => service.publishProcess(db, request.actor, request.params.id));

  app.post('/api/v1/commissioning/opportunities/:id/amendments', {
    config: { access: 'signed-in' },
    schema: { tags, security, summary: 'Amend a published opportunity (new release; the old one stays as published)', params: Id, body: Type.Object({ rationale: Text(2000), description: Type.Optional(Text(5000)), bidDeadline: Type.Optional(Type.String({ format: 'date-time', description: 'Only later than the current deadline' })) }, { additionalProperties: false }), response: { 200: Released, ...errors } },
  }, async (request) => service.amendProcess(db, request.actor, request.params.id, request.body));

  app.post('/api/v1/commissioning/opportunities/:id/questions', {
    config: { access: 'signed-in' },
    schema: { tags, security, summary: 'Ask a question (answers are published to everyone, without your name)', params: Id, body: Type.Object({ question: Text(2000) }, { additionalProperties: false }), response: { 201: Type.Object({ id: Uuid }), ...errors } },
  }, async (request, reply) => reply.status(201).send(await service.askQuestion(db, request.actor, request.params.id, request.body)));

  app.post('/api/v1/commissioning/questions/:id/answer', {
    config: { access: 'signed-in' },
    schema: { tags, security, summary: 'Publish the answer to a question (commissioners; a new tenderUpdate release)', params: Id, body: Type.Object({ answer: Text(5000) }, { additionalProperties: false }), response: { 200: Type.Object({ id: Uuid, releaseId: Type.String() }), ...errors } },
  }, async (request) => service.answerQuestion(db, request.actor, request.params.id, request.body));

  app.post('/api/v1/commissioning/opportunities/:id/interest', {
    config: { access: 'signed-in' },
    schema: { tags, security, summary: 'Register your organisation’s interest, and whether it seeks partners', params: Id, body: Type.Object({ organisation: Text(200), seekingPartners: Type.Optional(Type.Boolean()), note: Type.Optional(Text(1000)) }, { additionalProperties: false }), response: { 201: Type.Object({ processId: Uuid, organisationId: Uuid }), ...errors } },
  }, async (request, reply) => reply.status(201).send(await service.registerInterest(db, request.actor, request.params.id, request.body)));

  app.post('/api/v1/commissioning/opportunities/:id/bids', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'Submit or replace a sealed bid for a lot, alone or as a consortium (administrators or staff of the lead); a consortium bid is submitted once every member has accepted',
      description: 'The content is sealed until the deadline: nobody, administrators included, can read it before then. The answer is a receipt: a SHA-256 of the content.',
      params: Id,
      body: Type.Object({
        lotId: Uuid, organisation: Text(200), pricePence: Type.Integer({ minimum: 0, maximum: service.maxValuePence }), approach: Text(20000), socialValue: Text(10000),
        leadSharePercent: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
        members: Type.Optional(Type.Array(Type.Object({ organisation: Text(200), sharePercent: Type.Integer({ minimum: 1, maximum: 99 }) }, { additionalProperties: false }), { maxItems: 20 })),
      }, { additionalProperties: false }),
      response: { 201: Receipt, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.submitBid(db, request.actor, request.params.id, request.body)));

  app.get('/api/v1/commissioning/opportunities/:id/bids', {
    schema: { tags, security, summary: 'Bids to evaluate: all for commissioners, only assigned ones for evaluators (content null until the deadline)', params: Id, response: { 200: Type.Object({ role: Type.String(), sealed: Type.Boolean(), bids: Type.Array(Bid) }), ...errors } },
  }, async (request) => service.listBidsForEvaluation(db, request.actor, request.params.id));

  app.get('/api/v1/commissioning/bids/:id', {
    schema: { tags, security, summary: 'One bid (its bidders, commissioners, assigned evaluators); content null until the deadline', params: Id, response: { 200: Bid, ...errors } },
  }, async (request) => service.getBid(db, request.actor, request.params.id));

  app.get('/api/v1/commissioning/invitations', {
    schema: { tags, security, summary: 'Consortium invitations waiting for an answer from organisations you administer', response: { 200: Type.Array(Invitation), ...errors } },
  }, async (request) => service.listInvitations(db, request.actor));

  app.post('/api/v1/commissioning/bids/:id/consent', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'Accept or decline your organisation’s place in a consortium bid (administrators of the member named), before the deadline',
      description: 'An answer is final (409 when already answered). When the last member accepts, the bid is submitted.',
      params: Id,
      body: Type.Object({ organisation: Text(200), decision: Type.Union([Type.Literal('accept'), Type.Literal('decline')]) }, { additionalProperties: false }),
      response: { 200: Type.Object({ bidId: Uuid, organisationId: Uuid, consent: Type.String(), bidStatus: Type.String() }), ...errors },
    },
  }, async (request) => service.answerInvitation(db, request.actor, request.params.id, request.body));

  app.post('/api/v1/commissioning/bids/:id/withdraw', {
    config: { access: 'signed-in' },
    schema: { tags, security, summary: 'Withdraw a bid before the deadline', params: Id, response: { 200: Type.Object({ bidId: Uuid, status: Type.String() }), ...errors } },
  }, async (request) => service.withdrawBid(db, request.actor, request.params.id));

  app.post('/api/v1/commissioning/bids/:id/evaluators', {
    config: { access: 'signed-in' },
    schema: { tags, security, summary: 'Assign an evaluator to a bid (commissioners)', params: Id, body: Type.Object({ email: Text(254) }, { additionalProperties: false }), response: { 200: Type.Object({ bidId: Uuid, userId: Uuid, added: Type.Boolean() }), ...errors } },
  }, async (request) => service.assignEvaluator(db, request.actor, request.params.id, request.body, { baseUrl: ctx.config.baseUrl }));

  app.post('/api/v1/commissioning/bids/:id/conflict', {
    config: { access: 'signed-in' },
    schema: { tags, security, summary: 'Declare a conflict of interest with a bid you were assigned', params: Id, body: Type.Object({ note: Text(1000) }, { additionalProperties: false }), response: { 200: Type.Object({ bidId: Uuid, conflictDeclared: Type.Boolean() }), ...errors } },
  }, async (request) => service.declareConflict(db, request.actor, request.params.id, request.body));

  app.post('/api/v1/commissioning/bids/:id/scores', {
    config: { access: 'signed-in' },
    schema: { tags, security, summary: 'Score a bid you were assigned, per criterion (0–10, with reasons), after the deadline', params: Id, body: Type.Object({ scores: Type.Array(Type.Object({ criterionId: Uuid, score: Type.Integer({ minimum: 0, maximum: 10 }), reason: Text(5000) }, { additionalProperties: false }), { minItems: 1, maxItems: 20 }) }, { additionalProperties: false }), response: { 200: Type.Object({ bidId: Uuid, recorded: Type.Integer() }), ...errors } },
  }, async (request) => service.scoreBid(db, request.actor, request.params.id, request.body));

  app.post('/api/v1/commissioning/bids/:id/moderation', {
    config: { access: 'signed-in' },
    schema: { tags, security, summary: 'Record the moderated (agreed) score for one criterion, with the reason (commissioners)', params: Id, body: Type.Object({ criterionId: Uuid, score: Type.Integer({ minimum: 0, maximum: 10 }), reason: Text(5000) }, { additionalProperties: false }), response: { 200: Type.Object({ bidId: Uuid, criterionId: Uuid, score: Type.Integer() }), ...errors } },
  }, async (request) => service.moderateScore(db, request.actor, request.params.id, request.body));

  app.get('/api/v1/commissioning/opportunities/:id/evaluation', {
    schema: {
      tags, security, summary: 'Weighted totals and ranks per lot, every score and reason, and declared conflicts (commissioners)', params: Id,
      response: {
        200: Type.Object({
          processId: Uuid, lots: Type.Array(Lot), criteria: Type.Array(Criterion),
          ranked: Type.Array(Type.Object({
            bidId: Uuid, lotId: Uuid, lead: Type.String(), rank: Type.Integer(), totalHundredths: Type.Integer({ description: 'Weighted total out of 100, in hundredths' }), complete: Type.Boolean(),
            criteria: Type.Array(Type.Object({ criterionId: Uuid, title: Type.String(), weight: Type.Integer(), agreed: Nullable(Type.Number()), moderated: Type.Boolean(), evaluatorScores: Type.Array(Type.Object({ userId: Nullable(Uuid), score: Type.Integer(), reason: Type.String(), conflict: Type.Boolean(), kind: Type.String() })) })),
            conflicts: Type.Array(Type.Object({ userId: Uuid, note: Nullable(Type.String()) })),
          })),
          evaluators: Type.Array(Type.Object({ bidId: Uuid, userId: Uuid, conflictDeclared: Type.Boolean(), conflictNote: Nullable(Type.String()) })),
        }),
        ...errors,
      },
    },
  }, async (request) => service.evaluationResults(db, request.actor, request.params.id));

  app.post('/api/v1/commissioning/opportunities/:id/awards', {
    config: { access: 'signed-in' },
    schema: { tags, security, summary: 'Award a lot to a bid, with the rationale; the standstill period starts (commissioners)', params: Id, body: Type.Object({ bidId: Uuid, rationale: Text(5000), valuePence: Type.Optional(Type.Integer({ minimum: 0, maximum: service.maxValuePence })) }, { additionalProperties: false }), response: { 201: Type.Object({ awardId: Uuid, lotId: Uuid, bidId: Uuid, valuePence: Pence, standstillEnds: Type.String(), releaseId: Type.String() }), ...errors } },
  }, async (request, reply) => reply.status(201).send(await service.awardLot(db, request.actor, request.params.id, request.body, { baseUrl: ctx.config.baseUrl })));

  app.post('/api/v1/commissioning/awards/:id/contract', {
    config: { access: 'signed-in' },
    schema: {
      tags, security, summary: 'Sign the contract for an award after standstill, with milestones and KPIs (commissioners)', params: Id,
      body: Type.Object({
        title: Type.Optional(Text(200)), startDate: Type.Optional(Type.String({ format: 'date' })), endDate: Type.Optional(Type.String({ format: 'date' })),
        milestones: Type.Optional(Type.Array(Type.Object({ title: Text(200), dueDate: Type.Optional(Type.String({ format: 'date' })) }, { additionalProperties: false }), { maxItems: 50 })),
        kpis: Type.Optional(Type.Array(Type.Object({ title: Text(200), target: Type.Integer({ minimum: 0 }), unit: Text(50) }, { additionalProperties: false }), { maxItems: 50 })),
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ contractId: Uuid, href: Type.String(), releaseId: Type.String() }), ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.signContract(db, request.actor, request.params.id, request.body)));

  app.get('/api/v1/commissioning/contracts', {
    schema: { tags, summary: 'Contracts by buyer and/or supplier (lead or consortium member)', querystring: Type.Object({ buyer: Type.Optional(Uuid), supplier: Type.Optional(Uuid) }), response: { 200: Type.Array(ContractSummary), ...errors } },
  }, async (request) => service.listContractSummaries(db, { organisationId: request.query.buyer, supplierOrganisationId: request.query.supplier }));

  app.get('/api/v1/commissioning/contracts/:id', {
    schema: { tags, summary: 'A contract: suppliers, milestones, KPIs, and what has been paid (matched from published spending) against the value', params: Id, response: { 200: Contract, ...errors } },
  }, async (request) => service.getContract(db, request.params.id));

  app.post('/api/v1/commissioning/contracts/:id/milestones/:milestoneId', {
    config: { access: 'signed-in' },
    schema: { tags, security, summary: 'Record whether a milestone was met (commissioners; an implementation release)', params: Type.Object({ id: Type.String(), milestoneId: Type.String() }), body: Type.Object({ status: Type.Union([Type.Literal('met'), Type.Literal('notMet'), Type.Literal('scheduled')]), dateMet: Type.Optional(Type.String({ format: 'date' })) }, { additionalProperties: false }), response: { 200: Type.Object({ contractId: Uuid, milestoneId: Uuid, status: Type.String(), releaseId: Type.String() }), ...errors } },
  }, async (request) => service.updateMilestone(db, request.actor, request.params.id, request.params.milestoneId, request.body));

  app.post('/api/v1/commissioning/needs', {
    config: { access: 'signed-in' },
    schema: { tags, security, summary: 'Record a need for a place, the outcomes sought and the decision type (commissioners)', body: NeedInput, response: { 201: Need, ...errors } },
  }, async (request, reply) => reply.status(201).send(await service.createNeed(db, request.actor, request.body)));

  app.get('/api/v1/commissioning/needs/:id', {
    schema: { tags, summary: 'A need with its areas’ deprivation and need by decile', params: Id, response: { 200: Type.Object({ need: Need, organisation: Type.Object({ id: Uuid, name: Type.String(), slug: Type.String() }), areas: Type.Array(Area), byDecile: Type.Array(Type.Object({ decile: Type.Integer(), areas: Type.Integer(), population: Type.Integer() })), processes: Type.Array(Type.Object({ id: Uuid, title: Type.String(), href: Type.String() })) }), ...errors } },
  }, async (request) => service.getNeed(db, request.params.id));

  app.post('/api/v1/commissioning/open-calls', {
    config: { access: 'signed-in' },
    schema: { tags, security, summary: 'Open a call for proposals on needs nobody has specified yet (commissioners)', body: Type.Object({ organisation: Text(200), title: Text(200), description: Text(5000), closesOn: Type.Optional(Type.String({ format: 'date' })) }, { additionalProperties: false }), response: { 201: Type.Object({ id: Uuid, href: Type.String() }), ...errors } },
  }, async (request, reply) => reply.status(201).send(await service.createOpenCall(db, request.actor, request.body)));

  app.post('/api/v1/commissioning/open-calls/:id/proposals', {
    config: { access: 'signed-in' },
    schema: { tags, security, summary: 'Propose a need and what your organisation would do about it', params: Id, body: Type.Object({ organisation: Text(200), title: Text(200), need: Text(5000), proposal: Text(5000) }, { additionalProperties: false }), response: { 201: Type.Object({ id: Uuid, openCallId: Uuid }), ...errors } },
  }, async (request, reply) => reply.status(201).send(await service.submitProposal(db, request.actor, request.params.id, request.body)));

  app.post('/api/v1/commissioning/proposals/:id/opportunity', {
    config: { access: 'signed-in' },
    schema: { tags, security, summary: 'Turn a proposal into a draft opportunity (commissioners)', params: Id, body: Type.Object({ valuePence: Type.Integer({ minimum: 0, maximum: service.maxValuePence }), bidDeadline: Type.String({ format: 'date-time' }) }, { additionalProperties: false }), response: { 201: Type.Object({ id: Uuid, ocid: Type.String(), status: Type.String(), href: Type.String() }), ...errors } },
  }, async (request, reply) => reply.status(201).send(await service.convertProposal(db, request.actor, request.params.id, request.body)));

  app.get('/api/v1/commissioning/ocds/releases/:file', {
    schema: { tags, summary: 'Every release for one contracting process (`{ocid}.json`), as an OCDS 1.1.5 release package', params: Type.Object({ file: Type.String({ maxLength: 120 }) }), response: { 200: Ocds, ...errors } },
  }, async (request) => {
    const file = request.params.file;
    if (!file.endsWith('.json')) throw new AppError('not_found', 'Ask for {ocid}.json');
    return service.releasePackageForOcid(db, file.slice(0, -5), base());
  });

  app.get('/api/v1/commissioning/ocds/publishers/:ref/releases.json', {
    schema: { tags, summary: 'Every release a publisher has made, as one OCDS 1.1.5 release package', params: Type.Object({ ref: Type.String({ maxLength: 200 }) }), response: { 200: Ocds, ...errors } },
  }, async (request) => service.releasePackageForPublisher(db, request.params.ref, base()));
}
