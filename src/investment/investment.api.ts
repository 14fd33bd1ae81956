// The JSON API of social investment, under /api/v1/investment. Amounts are integer pence; interest is in basis
// points (1% = 100); dates are YYYY-MM-DD. Organisations are named by id, org-id identifier, slug or exact name.
import Type, { type TSchema } from 'typebox';
import type { App, AppContext } from '../platform/module.ts';
import { problemSchema } from '../platform/http.ts';
import { rolesByOrganisation } from '../platform/auth/policy.ts';
import * as service from './investment.service.ts';

const Uuid = Type.String({ format: 'uuid' });
const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const Pence = Type.Integer({ description: 'Integer pence (£1 = 100)' });
const InPence = Type.Integer({ minimum: 1, maximum: 10_000_000_000, description: 'Integer pence (£1 = 100), more than 0' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const OrgRef = Type.String({ minLength: 1, maxLength: 200, description: 'Organisation id, org-id identifier (GB-CHC-1234567), slug or exact name' });

const Cdfi = Type.Object({
  organisationId: Uuid, name: Type.String(), accreditedFrom: Day, accreditedTo: Day,
  applicationPence: Pence, certificateLimitPence: Type.Integer({ description: 'The most all tax relief certificates together may cover (CITM2070)' }),
}, { $id: 'InvestmentCdfi' });

const ReliefYear = Type.Object({ year: Type.Integer(), from: Day, to: Day, basePence: Pence, reliefPence: Pence, stopped: Nullable(Type.String()) });

const CitrInvestment = Type.Object({
  id: Uuid, cdfiOrganisationId: Uuid, investorOrganisationId: Uuid, investor: Type.String(),
  kind: Type.Union([Type.Literal('loan'), Type.Literal('shares'), Type.Literal('securities')]), amountPence: Pence, investedOn: Day,
  certifyBy: Type.String({ format: 'date', description: 'The last day a certificate may be issued (30 days after the investment)' }),
  certificate: Nullable(Type.Object({ reference: Type.String(), issuedOn: Day, amountPence: Pence })),
  repaidPence: Pence, outstandingPence: Pence, relief: Type.Array(ReliefYear), reliefPence: Pence,
  repaymentCap: Nullable(Type.Object({ year: Type.Integer(), capPence: Pence })),
  repayments: Type.Array(Type.Object({ id: Uuid, repaidOn: Day, amountPence: Pence })),
}, { $id: 'InvestmentCitrInvestment' });

const Rule = Type.Object({ key: Type.String(), rule: Type.String(), citation: Type.String({ description: 'HMRC Community Investment Tax Relief Manual paragraphs' }), figures: Type.String(), status: Type.Union([Type.Literal('met'), Type.Literal('breach'), Type.Literal('watch'), Type.Literal('not-yet')]) });

const Report = Type.Object({
  cdfi: Cdfi, today: Day, accredited: Type.Boolean(), certifiedPence: Pence, limitLeftPence: Pence,
  onward: Type.Array(Type.Object({ year: Type.Integer(), on: Day, requiredShare: Type.Number(), fundPence: Pence, onwardPence: Pence, requiredPence: Pence, status: Type.String() })),
  rules: Type.Array(Rule),
  byDecile: Type.Array(Type.Object({ decile: Nullable(Type.Integer()), label: Type.String(), capitalPence: Pence, grantPence: Pence, deals: Type.Integer() })),
  deprivedSharePence: Type.Object({ deprived: Pence, total: Pence }),
  investments: Nullable(Type.Array(CitrInvestment, { description: 'Null unless you belong to the CDFI' })),
  canManage: Type.Boolean(),
}, { $id: 'InvestmentCdfiReport' });

const DealFields = {
  id: Uuid, investorOrganisationId: Uuid, investor: Type.String(), investeeOrganisationId: Uuid, investee: Type.String(), title: Type.String(), purpose: Type.String(),
  grantPence: Pence, loanPence: Pence, equityPence: Pence, totalPence: Pence, interestBasisPoints: Type.Integer(), termMonths: Nullable(Type.Integer()), holidayMonths: Type.Integer(),
  startsOn: Day, areaCode: Nullable(Type.String()), decile: Nullable(Type.Integer()), qualifying: Type.Boolean(), owedPence: Pence, shape: Type.String(),
};
const Deal = Type.Object(DealFields, { $id: 'InvestmentDeal' });
const DealDetail = Type.Object({
  ...DealFields,
  schedule: Type.Array(Type.Object({ number: Type.Integer(), dueOn: Day, paymentPence: Pence, interestPence: Pence, principalPence: Pence, balancePence: Pence })),
  position: Type.Object({ duePence: Pence, repaidPence: Pence, writtenOffPence: Pence, arrearsPence: Pence, outstandingPence: Pence, oldestUnpaidDueOn: Nullable(Day) }),
  repayments: Type.Array(Type.Object({ id: Uuid, paidOn: Day, amountPence: Pence, reference: Type.String() })),
  writeOffs: Type.Array(Type.Object({ id: Uuid, on: Day, amountPence: Pence, reason: Type.String() })),
  outcomes: Type.Array(Type.Object({ contractId: Uuid, title: Type.String(), validatedPence: Pence, paidPence: Pence, capPence: Pence, claims: Type.Integer() })),
  canManage: Type.Boolean(),
}, { $id: 'InvestmentDealDetail' });

const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema, 409: problemSchema, 422: problemSchema };
const Id = Type.Object({ id: Type.String() });
const CdfiInv = Type.Object({ id: Type.String(), inv: Type.String() });
const security = [{ bearer: [] }];
const tags = ['investment'];
const signedIn = { access: 'signed-in' as const };

export function investmentApi(app: App, ctx: AppContext): void {
  const { db } = ctx;

  app.get('/api/v1/investment/cdfis', {
    schema: { tags, summary: 'Accredited CDFIs', response: { 200: Type.Array(Cdfi) } },
  }, async () => service.listCdfis(db));

  app.post('/api/v1/investment/cdfis', {
    config: { access: 'admin' },
    schema: {
      tags, security, summary: 'Record an organisation’s accreditation as a CDFI (site administrators)',
      description: 'Accreditation lasts three years unless accreditedTo is given; the certificate limit is 125% of applicationPence unless given (CITM2040, CITM2070). Recording it again renews it.',
      body: Type.Object({ organisation: OrgRef, accreditedFrom: Day, accreditedTo: Type.Optional(Day), applicationPence: InPence, certificateLimitPence: Type.Optional(InPence) }, { additionalProperties: false }),
      response: { 201: Cdfi, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.accreditCdfi(db, request.actor, request.body)));

  app.get('/api/v1/investment/cdfis/:id', {
    schema: { tags, summary: 'A CDFI’s CITR report: each rule with the figures that test it, capital by deprivation decile, and (for the CDFI) its ledger', params: Id, response: { 200: Report, ...errors } },
  }, async (request) => service.cdfiReport(db, request.actor, request.params.id));

  app.post('/api/v1/investment/cdfis/:id/investments', {
    config: signedIn,
    schema: {
      tags, security, summary: 'Record an investment in the CDFI (its administrators and finance officers)', params: Id,
      description: 'The investment must be made while the CDFI is accredited. Its certificate is then due within 30 days.',
      body: Type.Object({ investor: OrgRef, kind: Type.Union([Type.Literal('loan'), Type.Literal('shares'), Type.Literal('securities')]), amountPence: InPence, investedOn: Day }, { additionalProperties: false }),
      response: { 201: CitrInvestment, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.recordCitrInvestment(db, request.actor, request.params.id, request.body, { baseUrl: ctx.config.baseUrl })));

  app.post('/api/v1/investment/cdfis/:id/investments/:inv/certificate', {
    config: signedIn,
    schema: {
      tags, security, summary: 'Issue an investment’s tax relief certificate (its administrators and finance officers)', params: CdfiInv,
      description: '409 if the investment already has its certificate; 422 if its 30 days have passed or the CDFI’s limit would be passed (CITM4060, CITM2070).',
      body: Type.Object({ issuedOn: Type.Optional(Day), reference: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })) }, { additionalProperties: false }),
      response: { 201: CitrInvestment, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.issueCertificate(db, request.actor, request.params.id, request.params.inv, request.body ?? {})));

  app.post('/api/v1/investment/cdfis/:id/investments/:inv/repayments', {
    config: signedIn,
    schema: {
      tags, security, summary: 'Record the CDFI’s repayment of an investor’s loan', params: CdfiInv,
      description: '422 if it would break the CITR limits: nothing in years 1–2, at most 25%, 50% and 75% repaid by the end of years 3, 4 and 5 (CITM7050).',
      body: Type.Object({ repaidOn: Day, amountPence: InPence }, { additionalProperties: false }),
      response: { 201: CitrInvestment, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.recordCitrRepayment(db, request.actor, request.params.id, request.params.inv, request.body)));

  app.get('/api/v1/investment/cdfis/:id/investors/:inv', {
    schema: {
      tags, security, summary: 'An investor’s statement from the CDFI (the CDFI and the investor)', params: CdfiInv,
      response: { 200: Type.Object({ cdfi: Cdfi, investor: Type.Object({ id: Uuid, name: Type.String() }), investments: Type.Array(CitrInvestment), totals: Type.Object({ investedPence: Pence, repaidPence: Pence, reliefPence: Pence }) }), ...errors },
    },
  }, async (request) => service.investorStatement(db, request.actor, request.params.id, request.params.inv));

  app.get('/api/v1/investment/deals', {
    schema: { tags, security, summary: 'Deals of the organisations you belong to, as investor or investee', response: { 200: Type.Array(Deal), ...errors } },
  }, async (request) => service.dealsFor(db, request.actor, request.actor.userId ? [...(await rolesByOrganisation(db, request.actor.userId)).keys()] : []));

  app.post('/api/v1/investment/deals', {
    config: signedIn,
    schema: {
      tags, security, summary: 'Make a deal of any mix of loan, equity and grant (the investor’s administrators and finance officers)',
      description: 'A blended (Futurebuilders-style) deal gives loanPence and grantPence together. A loan needs termMonths; holidayMonths are interest-only months at the start. area is a postcode or small-area code the enterprise serves.',
      body: Type.Object({
        investor: OrgRef, investee: OrgRef, title: Type.String({ minLength: 1, maxLength: 200 }), purpose: Type.Optional(Type.String({ maxLength: 2000 })),
        grantPence: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000_000 })), loanPence: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000_000 })), equityPence: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000_000 })),
        interestBasisPoints: Type.Optional(Type.Integer({ minimum: 0, maximum: 5000 })), termMonths: Type.Optional(Type.Integer({ minimum: 1, maximum: 360 })), holidayMonths: Type.Optional(Type.Integer({ minimum: 0, maximum: 359 })),
        startsOn: Day, area: Type.Optional(Type.String({ maxLength: 20 })), qualifying: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      response: { 201: Deal, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.createDeal(db, request.actor, request.body)));

  app.get('/api/v1/investment/deals/:id', {
    schema: { tags, security, summary: 'A deal with its schedule, position today, repayments, write-offs and the investee’s outcomes (investor and investee)', params: Id, response: { 200: DealDetail, ...errors } },
  }, async (request) => service.getDeal(db, request.actor, request.params.id));

  app.post('/api/v1/investment/deals/:id/repayments', {
    config: signedIn,
    schema: {
      tags, security, summary: 'Record a repayment from the investee (the investor’s administrators and finance officers)', params: Id,
      description: '422 if it would take repayments and write-offs past what the schedule asks for.',
      body: Type.Object({ paidOn: Day, amountPence: InPence, reference: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
      response: { 201: DealDetail, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.recordDealRepayment(db, request.actor, request.params.id, request.body)));

  app.post('/api/v1/investment/deals/:id/write-offs', {
    config: signedIn,
    schema: {
      tags, security, summary: 'Write off part or all of what is owed, with a reason', params: Id,
      body: Type.Object({ on: Day, amountPence: InPence, reason: Type.String({ minLength: 1, maxLength: 1000 }) }, { additionalProperties: false }),
      response: { 201: DealDetail, ...errors },
    },
  }, async (request, reply) => reply.status(201).send(await service.writeOff(db, request.actor, request.params.id, request.body)));
}
