import Type, { type TSchema } from 'typebox';
import type { App, AppContext } from '../platform/module.ts';
import { problemSchema } from '../platform/http.ts';
import * as service from './outcomes.service.ts';
import * as agreements from './outcomes.agreements.ts';
import { indigoProject } from './outcomes.exports.ts';
import { ocdsExport } from './outcomes.ocds.ts';

const Uuid = Type.String({ format: 'uuid' });
const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const Pence = Type.Integer({ minimum: 1, maximum: 1_000_000_000_000, description: 'Integer pence (£1 = 100)' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const OrgRef = Type.String({ maxLength: 200, description: 'Organisation id, org-id identifier (GB-LAE-NET) or slug' });

const Contract = Type.Object({
  id: Uuid, organisationId: Uuid, title: Type.String(), description: Type.String(), targetPopulation: Type.String(),
  providerOrganisationId: Uuid, commissioningContractId: Nullable(Uuid), startDate: Day, endDate: Day,
  capPence: Type.Integer({ description: 'Contract cap: the most all outcome payments together may reach' }),
  personCapPence: Nullable(Type.Integer({ description: 'The most paid for one participant' })),
  validatedPence: Type.Integer(), paidPence: Type.Integer(),
}, { $id: 'OutcomesContract' });

const Metric = Type.Object({
  id: Uuid, code: Type.String(), name: Type.String(), definition: Type.String(), targetPopulation: Type.String(), validationMethod: Type.String(),
  evidenceRequired: Type.String(), validatorOrganisationId: Nullable(Uuid), resultType: Type.Union([Type.Literal('interim'), Type.Literal('final')]),
  targetCount: Nullable(Type.Integer()), commissioningMilestoneId: Nullable(Type.String()),
  prices: Type.Array(Type.Object({ effectiveFrom: Day, pricePence: Type.Integer(), note: Type.String() }), { description: 'Prices agreed over time; an outcome is paid at the price in effect on the day it was achieved' }),
}, { $id: 'OutcomesMetric' });

const Claim = Type.Object({
  id: Uuid, contractId: Uuid, metricId: Uuid, participantRef: Type.String({ description: 'Pseudonymous reference, never a name' }), achievedOn: Day, evidence: Type.String(),
  amountPence: Type.Integer(), status: Type.Union([Type.Literal('claimed'), Type.Literal('accepted'), Type.Literal('rejected')]),
  claimedAt: Type.String({ format: 'date-time' }), decidedAt: Nullable(Type.String({ format: 'date-time' })), decisionReason: Nullable(Type.String()), paymentId: Nullable(Uuid),
}, { $id: 'OutcomesClaim' });

const Payment = Type.Object({
  id: Uuid, contractId: Uuid, paidOn: Day, amountPence: Type.Integer(), reference: Type.String(),
  claimIds: Type.Array(Uuid, { description: 'The validated claims this payment pays; their amounts add up to it' }),
  byPayer: Type.Array(Type.Object({ payerOrganisationId: Uuid, pence: Type.Integer() })),
}, { $id: 'OutcomesPayment' });

const Ledger = Type.Object({
  contractId: Uuid, capPence: Type.Integer(), personCapPence: Nullable(Type.Integer()),
  claimedPence: Type.Integer(), pendingPence: Type.Integer(), validatedPence: Type.Integer(), rejectedPence: Type.Integer(), paidPence: Type.Integer(),
  duePence: Type.Integer(), capLeftPence: Type.Integer(), claims: Type.Integer(),
  byMetric: Type.Array(Type.Object({ metricId: Uuid, code: Type.String(), name: Type.String(), resultType: Type.String(), targetCount: Nullable(Type.Integer()), claimed: Type.Integer(), accepted: Type.Integer(), paid: Type.Integer(), acceptedPence: Type.Integer(), paidPence: Type.Integer() })),
  byPayer: Type.Array(Type.Object({ payerOrganisationId: Uuid, shareBasisPoints: Type.Integer(), paidPence: Type.Integer() })),
}, { $id: 'OutcomesLedger' });

const Comparison = Type.Object({
  id: Uuid, measure: Type.String(), periodStart: Day, periodEnd: Day, cohortSize: Type.Integer(), cohortEvents: Type.Integer(), comparisonSize: Type.Integer(), comparisonEvents: Type.Integer(),
  better: Type.Union([Type.Literal('lower'), Type.Literal('higher')]), thresholdBasisPoints: Type.Integer(), source: Type.String(),
  cohortRateBasisPoints: Type.Integer(), comparisonRateBasisPoints: Type.Integer(), improvementBasisPoints: Nullable(Type.Integer()), triggerMet: Type.Boolean(),
}, { $id: 'OutcomesComparison' });

const Investment = Type.Object({
  id: Uuid, investorOrganisationId: Uuid, investmentType: Type.String(), committedPence: Type.Integer(), drawnPence: Type.Integer(), repaidPence: Type.Integer(),
  irr: Nullable(Type.Number({ description: 'Annual internal rate of return from the dated flows (0.1 = 10%)' })),
});

const InvestorView = Type.Object({
  contractId: Uuid, investments: Type.Array(Investment),
  totals: Type.Object({ committedPence: Type.Integer(), drawnPence: Type.Integer(), repaidPence: Type.Integer(), outcomePaymentsPence: Type.Integer(), irr: Nullable(Type.Number()) }),
  timeline: Type.Array(Type.Object({ on: Day, kind: Type.String(), investorOrganisationId: Nullable(Uuid), amountPence: Type.Integer() })),
});

const Term = Type.Object({
  id: Uuid, side: Type.String(), kind: Type.String(), text: Type.String(), measure: Type.String(),
  serviceStatus: Nullable(Type.String()), citizenStatus: Nullable(Type.String()),
});
const AgreementPublic = {
  id: Uuid, organisationId: Uuid, serviceName: Type.String(), title: Type.String(), summary: Type.String(), partyKind: Type.String(), groupName: Nullable(Type.String()),
  serviceSignedAt: Nullable(Type.String()), partySignedAt: Nullable(Type.String()), inForce: Type.Boolean(), nextReviewOn: Nullable(Day), terms: Type.Array(Term), reviewDates: Type.Array(Day),
};
const AgreementSummary = Type.Object(AgreementPublic, { $id: 'OutcomesAgreementPublic', description: 'What anyone may see: no personal details' });
const Agreement = Type.Object({
  ...AgreementPublic,
  yourSide: Nullable(Type.String({ description: 'service or citizen; null if you are neither (then the private fields are null)' })),
  partyName: Nullable(Type.String()),
  progress: Nullable(Type.Array(Type.Object({ id: Uuid, termId: Uuid, side: Type.String(), status: Type.String(), note: Type.String(), at: Type.String() }))),
  reviews: Nullable(Type.Array(Type.Object({ id: Uuid, heldOn: Day, side: Type.String(), summary: Type.String(), nextReviewOn: Nullable(Day) }))),
}, { $id: 'OutcomesAgreement' });

const Json = Type.Record(Type.String(), Type.Unknown());
const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema, 409: problemSchema, 422: problemSchema };
const Id = Type.Object({ id: Type.String() });
const security = [{ bearer: [] }];
const tags = ['outcomes'];
const signedIn = { access: 'signed-in' as const };

export function outcomesApi(app: App, ctx: AppContext): void {
  const { db } = ctx;

  // ---- Contracts and rate cards ----
  app.get('/api/v1/outcomes/contracts', {
    schema: { tags, summary: 'Outcomes contracts', querystring: Type.Object({ organisation: Type.Optional(Uuid), provider: Type.Optional(Uuid) }), response: { 200: Type.Array(Contract) } },
  }, async (request) => service.listContracts(db, { organisationId: request.query.organisation, providerOrganisationId: request.query.provider }));

  app.post('/api/v1/outcomes/contracts', {
    config: signedIn,
    schema: {
      tags, security, summary: 'Open an outcomes contract (commissioners and administrators of the commissioning organisation)',
      body: Type.Object({
        organisation: OrgRef, provider: OrgRef, title: Type.String({ minLength: 1, maxLength: 200 }), description: Type.Optional(Type.String({ maxLength: 4000 })),
        targetPopulation: Type.Optional(Type.String({ maxLength: 1000 })), startDate: Day, endDate: Day, capPence: Pence, personCapPence: Type.Optional(Pence),
        commissioningContractId: Type.Optional(Uuid),
      }, { additionalProperties: false }),
      response: { 201: Contract, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.createContract(db, request.actor, request.body)));

  app.get('/api/v1/outcomes/contracts/:id', {
    schema: { tags, summary: 'One outcomes contract with its rate card and payment ledger', params: Id, response: { 200: Type.Object({ contract: Contract, rateCard: Type.Array(Metric), ledger: Ledger }), ...errors } },
  }, async (request) => ({ contract: await service.getContract(db, request.params.id), rateCard: await service.rateCard(db, request.params.id), ledger: await service.ledger(db, request.params.id) }));

  app.post('/api/v1/outcomes/contracts/:id/link', {
    config: signedIn,
    schema: { tags, security, summary: 'Link (or unlink, with null) a commissioning contract', params: Id, body: Type.Object({ commissioningContractId: Nullable(Uuid) }, { additionalProperties: false }), response: { 200: Contract, ...errors } },
  }, async (request) => service.linkCommissioningContract(db, request.actor, request.params.id, request.body.commissioningContractId));

  app.post('/api/v1/outcomes/contracts/:id/metrics', {
    config: signedIn,
    schema: {
      tags, security, summary: 'Add an outcome to the rate card, with its first price', params: Id,
      body: Type.Object({
        code: Type.String({ pattern: '^[A-Za-z0-9._-]{1,20}$' }), name: Type.String({ minLength: 1, maxLength: 200 }), definition: Type.String({ minLength: 1, maxLength: 2000 }),
        targetPopulation: Type.Optional(Type.String({ maxLength: 1000 })), validationMethod: Type.String({ minLength: 1, maxLength: 1000 }), evidenceRequired: Type.String({ minLength: 1, maxLength: 1000 }),
        validator: Type.Optional(OrgRef), resultType: Type.Optional(Type.Union([Type.Literal('interim'), Type.Literal('final')])), targetCount: Type.Optional(Type.Integer({ minimum: 0 })),
        pricePence: Pence, priceFrom: Type.Optional(Day), commissioningMilestoneId: Type.Optional(Type.String({ maxLength: 100 })),
      }, { additionalProperties: false }),
      response: { 201: Metric, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.addMetric(db, request.actor, request.params.id, request.body)));

  app.post('/api/v1/outcomes/contracts/:id/metrics/:metric/prices', {
    config: signedIn,
    schema: {
      tags, security, summary: 'Agree a price change: outcomes achieved from that date are paid at it',
      params: Type.Object({ id: Type.String(), metric: Type.String({ description: 'The outcome’s id or code' }) }),
      body: Type.Object({ pricePence: Pence, effectiveFrom: Day, note: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
      response: { 200: Metric, ...errors },
    },
  }, async (request) => service.agreePrice(db, request.actor, request.params.id, request.params.metric, request.body));

  app.put('/api/v1/outcomes/contracts/:id/payers', {
    config: signedIn,
    schema: {
      tags, security, summary: 'Set the outcome payers and their shares (basis points adding up to 10000)', params: Id,
      body: Type.Object({ payers: Type.Array(Type.Object({ organisation: OrgRef, shareBasisPoints: Type.Integer({ minimum: 1, maximum: 10000 }) }, { additionalProperties: false }), { minItems: 1, maxItems: 20 }) }, { additionalProperties: false }),
      response: { 200: Type.Array(Type.Object({ payerOrganisationId: Uuid, shareBasisPoints: Type.Integer() })), ...errors },
    },
  }, async (request) => service.setPayers(db, request.actor, request.params.id, request.body));

  app.get('/api/v1/outcomes/contracts/:id/ledger', {
    schema: { tags, summary: 'The payment ledger: claimed, validated, paid, due and the cap left', params: Id, response: { 200: Ledger, ...errors } },
  }, async (request) => service.ledger(db, request.params.id));

  // ---- Claims, validation, payments ----
  app.get('/api/v1/outcomes/contracts/:id/claims', {
    schema: {
      tags, security, summary: 'Claims (the contract’s parties and validators)', params: Id,
      querystring: Type.Object({ status: Type.Optional(Type.Union([Type.Literal('claimed'), Type.Literal('accepted'), Type.Literal('rejected')])) }),
      response: { 200: Type.Array(Claim), ...errors },
    },
  }, async (request) => service.listClaims(db, request.actor, request.params.id, { status: request.query.status }));

  app.post('/api/v1/outcomes/contracts/:id/claims', {
    config: signedIn,
    schema: {
      tags, security, summary: 'Claim an outcome with evidence (the provider’s staff)', params: Id,
      description: '409 when the participant has already been claimed (and not rejected) or paid for that outcome; 422 when a cap leaves no room.',
      body: Type.Object({ metric: Type.String({ maxLength: 40, description: 'Outcome code or id' }), participantRef: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' }), achievedOn: Day, evidence: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }),
      response: { 201: Claim, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.claimOutcome(db, request.actor, request.params.id, request.body, { baseUrl: ctx.config.baseUrl })));

  app.post('/api/v1/outcomes/claims/:id/decision', {
    config: signedIn,
    schema: {
      tags, security, summary: 'Accept or reject a claim, with a reason (the outcome’s validator: evaluators of the validating organisation)', params: Id,
      description: 'Accepting makes the claim a payment due; 422 when accepting would pass the contract cap or the cap per person.',
      body: Type.Object({ decision: Type.Union([Type.Literal('accept'), Type.Literal('reject')]), reason: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false }),
      response: { 200: Claim, ...errors },
    },
  }, async (request) => service.decideClaim(db, request.actor, request.params.id, request.body));

  app.get('/api/v1/outcomes/contracts/:id/payments', {
    schema: { tags, summary: 'Outcome payments, each with the claims it pays', params: Id, response: { 200: Type.Array(Payment), ...errors } },
  }, async (request) => service.listPayments(db, request.params.id));

  app.post('/api/v1/outcomes/contracts/:id/payments', {
    config: signedIn,
    schema: {
      tags, security, summary: 'Record a payment of accepted claims (finance officers and commissioners of the commissioner)', params: Id,
      body: Type.Object({ claimIds: Type.Array(Uuid, { minItems: 1, maxItems: 5000 }), paidOn: Day, reference: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
      response: { 201: Payment, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.recordPayment(db, request.actor, request.params.id, request.body)));

  // ---- Comparison groups ----
  app.get('/api/v1/outcomes/contracts/:id/comparisons', {
    schema: { tags, summary: 'Comparison-group results and whether each trigger is met', params: Id, response: { 200: Type.Array(Comparison), ...errors } },
  }, async (request) => service.listComparisons(db, request.params.id));

  app.post('/api/v1/outcomes/contracts/:id/comparisons', {
    config: signedIn,
    schema: {
      tags, security, summary: 'Record a cohort’s and its comparison group’s figures (commissioners and evaluators of the commissioner)', params: Id,
      body: Type.Object({
        measure: Type.String({ minLength: 1, maxLength: 200 }), periodStart: Day, periodEnd: Day,
        cohortSize: Type.Integer({ minimum: 1 }), cohortEvents: Type.Integer({ minimum: 0 }), comparisonSize: Type.Integer({ minimum: 1 }), comparisonEvents: Type.Integer({ minimum: 0 }),
        better: Type.Union([Type.Literal('lower'), Type.Literal('higher')]), thresholdBasisPoints: Type.Integer({ minimum: 0, maximum: 10000, description: 'Improvement required relative to the comparison group: 1000 = 10%' }),
        source: Type.Optional(Type.String({ maxLength: 500 })),
      }, { additionalProperties: false }),
      response: { 201: Comparison, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.recordComparison(db, request.actor, request.params.id, request.body)));

  // ---- Social investment ----
  app.get('/api/v1/outcomes/contracts/:id/investors', {
    schema: { tags, summary: 'Investor view: commitments, drawdowns, outcome payments, repayments and IRR', params: Id, response: { 200: InvestorView, ...errors } },
  }, async (request) => service.investorView(db, request.params.id));

  app.post('/api/v1/outcomes/contracts/:id/investments', {
    config: signedIn,
    schema: {
      tags, security, summary: 'Add an investor’s commitment', params: Id,
      body: Type.Object({ investor: OrgRef, committedPence: Pence, investmentType: Type.Optional(Type.Union([Type.Literal('debt'), Type.Literal('equity'), Type.Literal('combination')])) }, { additionalProperties: false }),
      response: { 201: Investment, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.addInvestment(db, request.actor, request.params.id, request.body)));

  app.post('/api/v1/outcomes/investments/:id/flows', {
    config: signedIn,
    schema: {
      tags, security, summary: 'Record a drawdown or a repayment (administrators and finance officers of the provider or the investor)', params: Id,
      body: Type.Object({ kind: Type.Union([Type.Literal('drawdown'), Type.Literal('repayment')]), on: Day, amountPence: Pence, note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
      response: { 201: Type.Object({ id: Uuid, investmentId: Uuid, kind: Type.String(), on: Day, amountPence: Type.Integer(), note: Type.String() }), ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.recordInvestmentFlow(db, request.actor, request.params.id, request.body)));

  // ---- Exports ----
  app.get('/api/v1/outcomes/contracts/:id/indigo', {
    schema: { tags, summary: 'The contract as an INDIGO project (outcome metrics, pricing, payments, investments, results)', params: Id, response: { 200: Json, ...errors } },
  }, async (request) => indigoProject(db, request.params.id));

  app.get('/api/v1/outcomes/contracts/:id/ocds', {
    schema: {
      tags, summary: 'Every OCDS 1.1.5 implementation release of the contract’s outcome payments, as a release package, under the linked commissioning contract’s ocid', params: Id,
      description: 'Releases are minted once, when the payments, outcomes or payers they describe change, and stored as published: reading returns the same bytes until something changes, and a change adds one release. '
        + 'Each release was validated against the OCDS 1.1.5 schema before it was stored. Send If-None-Match with the ETag to get 304 when nothing changed. 422 when the contract is not linked to a commissioning contract.',
      response: { 200: Json, 304: Type.Null(), ...errors },
    },
  }, async (request, reply) => {
    const out = await ocdsExport(db, request.params.id, ctx.config.baseUrl);
    reply.header('etag', out.etag).header('cache-control', 'no-cache');
    if (request.headers['if-none-match'] === out.etag) return reply.status(304).send(null);
    // Sent as stored and hashed: a JSON string with a JSON content type is not serialised again.
    return reply.type('application/json; charset=utf-8').send(out.body as unknown as Record<string, unknown>);
  });

  // ---- Outcome agreements ----
  app.get('/api/v1/outcomes/agreements', {
    schema: { tags, summary: 'Outcome agreements (public view: no personal details)', querystring: Type.Object({ organisation: Type.Optional(Uuid) }), response: { 200: Type.Array(AgreementSummary) } },
  }, async (request) => agreements.listPublicAgreements(db, { organisationId: request.query.organisation }));

  app.post('/api/v1/outcomes/agreements', {
    config: signedIn,
    schema: {
      tags, security, summary: 'Draft an outcome agreement between a service and a person or group (service administrators and staff)',
      body: Type.Object({
        organisation: OrgRef, serviceName: Type.String({ minLength: 1, maxLength: 200 }), title: Type.String({ minLength: 1, maxLength: 200 }), summary: Type.Optional(Type.String({ maxLength: 2000 })),
        partyKind: Type.Union([Type.Literal('person'), Type.Literal('group')]), groupName: Type.Optional(Type.String({ maxLength: 200 })),
        partyEmail: Type.String({ maxLength: 254 }), partyName: Type.String({ minLength: 1, maxLength: 200 }), nextReviewOn: Type.Optional(Day),
        terms: Type.Array(Type.Object({
          side: Type.Union([Type.Literal('service'), Type.Literal('citizen')]), kind: Type.Union([Type.Literal('outcome'), Type.Literal('commitment')]),
          text: Type.String({ minLength: 1, maxLength: 500 }), measure: Type.Optional(Type.String({ maxLength: 500 })),
        }, { additionalProperties: false }), { minItems: 2, maxItems: 40 }),
      }, { additionalProperties: false }),
      response: { 201: Agreement, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await agreements.createAgreement(db, request.actor, request.body)));

  app.get('/api/v1/outcomes/agreements/:id', {
    schema: { tags, security, summary: 'One agreement: both sides see progress notes and reviews; others the public part', params: Id, response: { 200: Agreement, ...errors } },
  }, async (request) => agreements.getAgreement(db, request.actor, request.params.id));

  app.post('/api/v1/outcomes/agreements/:id/signatures', {
    config: signedIn,
    schema: { tags, security, summary: 'Sign for your side (the service’s staff, or the citizens’ side)', params: Id, response: { 200: Agreement, ...errors } },
  }, async (request) => agreements.signAgreement(db, request.actor, request.params.id));

  app.post('/api/v1/outcomes/agreements/:id/progress', {
    config: signedIn,
    schema: {
      tags, security, summary: 'Record progress on an outcome or commitment, for your side (once both have signed)', params: Id,
      body: Type.Object({ termId: Uuid, status: Type.Union(agreements.progressStatuses.map((s) => Type.Literal(s))), note: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false }),
      response: { 200: Agreement, ...errors },
    },
  }, async (request) => agreements.recordProgress(db, request.actor, request.params.id, request.body));

  app.post('/api/v1/outcomes/agreements/:id/reviews', {
    config: signedIn,
    schema: {
      tags, security, summary: 'Keep a review and set the next review date (either side)', params: Id,
      body: Type.Object({ heldOn: Day, summary: Type.String({ minLength: 1, maxLength: 2000 }), nextReviewOn: Type.Optional(Day) }, { additionalProperties: false }),
      response: { 201: Agreement, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await agreements.recordReview(db, request.actor, request.params.id, request.body)));
}
