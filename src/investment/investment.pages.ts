// GOV.UK pages for social investment: the CDFI's page (each CITR rule with its figures, where the money goes by
// deprivation decile), recording an investment, issuing its certificate, recording a repayment, investor
// statements, deals (a blended deal in one form) with their schedule, repayments, arrears, write-offs and the
// investee's outcomes, and CSV exports.
import type { FastifyReply } from 'fastify';
import type { App, AppContext } from '../platform/module.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError, isAppError } from '../platform/errors.ts';
import { barChart } from '../platform/charts.ts';
import { csvTable } from '../platform/csv.ts';
import { own } from '../platform/sanitise.ts';
import { rolesByOrganisation } from '../platform/auth/policy.ts';
import { organisationNames } from '../organisations/organisations.service.ts';
import * as service from './investment.service.ts';
import { basisPointsText, poundsText, todayDay } from './investment.compute.ts';

type Form = Record<string, string | undefined>;
type FieldErrors = { field: string; message: string }[];

/** The errors a form shows beside its fields; anything else (403, 404, 500) goes to the error page. */
function formErrors(error: unknown, field: string): { errors: FieldErrors; status: number } {
  if (!isAppError(error) || !['validation_failed', 'unprocessable', 'conflict'].includes(error.code)) throw error;
  return { errors: error.fieldErrors.length ? error.fieldErrors : [{ field, message: error.message }], status: error.status };
}

function sendCsv(reply: FastifyReply, filename: string, body: string) {
  return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).send(body);
}

const notices: Record<string, string> = {
  accredited: 'The accreditation is recorded. Investments made in its period may now be recorded and certified.',
  invested: 'The investment is recorded. Issue its tax relief certificate within 30 days.',
  certified: 'The tax relief certificate is issued.',
  repaid: 'The repayment is recorded.',
  made: 'The deal is made. Its repayment schedule is below.',
  'deal-repaid': 'The repayment is recorded against the schedule.',
  'written-off': 'The write-off is recorded with its reason.',
};

const statusTags: Record<string, { text: string; classes: string }> = {
  met: { text: 'Met', classes: 'govuk-tag--green' },
  breach: { text: 'Breach', classes: 'govuk-tag--red' },
  watch: { text: 'Watch', classes: 'govuk-tag--yellow' },
  'not-yet': { text: 'Not yet due', classes: 'govuk-tag--grey' },
};

/** Organisations in which the person may make deals (administrator or finance officer), by name. */
async function investingOrganisations(ctx: AppContext, actor: Actor): Promise<{ id: string; name: string }[]> {
  if (!actor.userId) return [];
  const held = await rolesByOrganisation(ctx.db, actor.userId);
  const ids = [...held.entries()].filter(([, roles]) => roles.some((r) => (service.OFFICER_ROLES as readonly string[]).includes(r))).map(([id]) => id);
  const names = await organisationNames(ctx.db, ids);
  return ids.map((id) => ({ id, name: names.get(id)?.name ?? id })).sort((a, b) => a.name.localeCompare(b.name));
}

export function decileChart(report: service.CdfiReport): string | null {
  const rows = report.byDecile.filter((r) => r.decile !== null);
  if (!report.byDecile.some((r) => r.deals)) return null;
  return barChart({
    id: 'capital-by-decile',
    title: `Capital deployed by ${report.cdfi.name} (loans and equity), by the deprivation decile of the area each enterprise serves`,
    description: 'Decile 1 is the most deprived tenth of small areas in England (IMD 2019) or Scotland (SIMD 2020). The same figures are in the table below the chart.',
    categories: rows.map((r) => r.label),
    series: [{ name: 'Capital deployed', values: rows.map((r) => r.capitalPence) }],
    format: (v) => poundsText(v),
  });
}

/** GOV.UK pagination for page `page` of `pages` (null for one page): the first, the last, and two either side. */
export function pagination(page: number, pages: number, href: (p: number) => string, landmarkLabel = 'Pages') {
  if (pages <= 1) return null;
  const shown = Array.from({ length: pages }, (_, i) => i + 1).filter((n) => n === 1 || n === pages || Math.abs(n - page) <= 2);
  const items: ({ number: number; href: string; current: boolean } | { ellipsis: true })[] = [];
  for (const [i, n] of shown.entries()) {
    if (i && n - shown[i - 1]! > 1) items.push({ ellipsis: true });
    items.push({ number: n, href: href(n), current: n === page });
  }
  return { landmarkLabel, previous: page > 1 ? { href: href(page - 1) } : undefined, next: page < pages ? { href: href(page + 1) } : undefined, items };
}

export function investmentPages(app: App, ctx: AppContext): void {
  const { db } = ctx;

  app.get('/investment', async (request, reply) => {
    const cdfis = await service.listCdfis(db);
    const orgs = request.actor.userId ? [...(await rolesByOrganisation(db, request.actor.userId)).keys()] : [];
    const deals = await service.dealsFor(db, request.actor, orgs);
    const investing = await investingOrganisations(ctx, request.actor);
    return reply.page('investment/views/index.njk', { cdfis, deals, canMakeDeals: investing.length > 0 || request.actor.isAdmin, signedIn: !!request.actor.userId });
  });

  // ---- The CDFI ----

  // The CDFI's page: its lists (ledger, investors, deals) a page of 50 at a time, each with its own page number
  // in the address (page, investorsPage, dealsPage) so paging one keeps the others where they were.
  app.get('/investment/cdfis/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const q = request.query as Form;
    const numberOf = (v: unknown) => (typeof v === 'string' && /^\d{1,6}$/.test(v) ? Number(v) : 1);
    const at = { page: numberOf(q.page), investorsPage: numberOf(q.investorsPage), dealsPage: numberOf(q.dealsPage) };
    const view = await service.cdfiPage(db, request.actor, id, at);
    const { report } = view;
    const href = (key: keyof typeof at, anchor: string) => (n: number) => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries({ ...at, [key]: n })) if (v > 1) params.set(k, String(v));
      const text = params.toString();
      return `/investment/cdfis/${report.cdfi.organisationId}${text ? `?${text}` : ''}#${anchor}`;
    };
    return reply.page('investment/views/cdfi.njk', {
      report, limit: view.limit, ledger: view.ledger, investors: view.investors, deals: view.deals,
      ledgerPagination: view.ledger && pagination(view.ledger.page, view.ledger.pages, href('page', 'ledger'), 'Pages of the ledger'),
      investorsPagination: view.investors && pagination(view.investors.page, view.investors.pages, href('investorsPage', 'investors'), 'Pages of investors'),
      dealsPagination: view.deals && pagination(view.deals.page, view.deals.pages, href('dealsPage', 'deals'), 'Pages of deals'),
      chart: decileChart(report), statusTags, notice: own(notices, q.notice),
      rules: report.rules.map((r) => ({ ...r, tag: statusTags[r.status] })),
    });
  });

  app.get('/investment/cdfis/:id/deprivation.csv', async (request, reply) => {
    const { id } = request.params as { id: string };
    const report = await service.cdfiSummary(db, request.actor, id);
    return sendCsv(reply, 'capital-by-deprivation-decile.csv', csvTable(['decile', 'capital_pence', 'grant_pence', 'deals'], report.byDecile.map((r) => [r.decile ?? 'unknown', r.capitalPence, r.grantPence, r.deals])));
  });

  app.get('/investment/cdfis/:id/investments.csv', async (request, reply) => {
    const { id } = request.params as { id: string };
    const report = await service.cdfiReport(db, request.actor, id);
    if (!report.investments) throw new AppError(request.actor.userId ? 'forbidden' : 'unauthenticated', 'Only the CDFI can download its CITR ledger');
    return sendCsv(reply, 'citr-investments.csv', csvTable(
      ['investment_id', 'investor', 'kind', 'amount_pence', 'invested_on', 'certify_by', 'certificate_reference', 'certificate_issued_on', 'repaid_pence', 'outstanding_pence', 'relief_year_1_pence', 'relief_year_2_pence', 'relief_year_3_pence', 'relief_year_4_pence', 'relief_year_5_pence', 'relief_total_pence'],
      report.investments.map((i) => [i.id, i.investor, i.kind, i.amountPence, i.investedOn, i.certifyBy, i.certificate?.reference ?? '', i.certificate?.issuedOn ?? '', i.repaidPence, i.outstandingPence, ...i.relief.map((y) => y.reliefPence), i.reliefPence]),
    ));
  });

  async function investmentForm(reply: FastifyReply, actor: Actor, id: string, extra: { values?: Form; errors?: FieldErrors; status?: number } = {}) {
    const cdfi = await service.getCdfi(db, id);
    const values = extra.values ?? {};
    return reply.page('investment/views/investment-new.njk', {
      cdfi, values, errors: extra.errors,
      kindItems: service.citrKinds.map((k) => ({ value: k, text: service.citrKindLabels[k], checked: values.kind === k })),
    }, { status: extra.status, form: true });
  }

  app.get('/investment/cdfis/:id/investments/new', async (request, reply) => {
    const { id } = request.params as { id: string };
    const report = await service.cdfiSummary(db, request.actor, id);
    if (!report.canManage) throw new AppError(request.actor.userId ? 'forbidden' : 'unauthenticated', 'Only the CDFI’s administrators and finance officers record investments');
    return investmentForm(reply, request.actor, id);
  });

  app.post('/investment/cdfis/:id/investments', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const form = (request.body ?? {}) as Form;
    try {
      const inv = await service.recordCitrInvestment(db, request.actor, id, { investor: form.investor, kind: form.kind, amountPence: form.amount, investedOn: form.investedOn }, { pounds: true, baseUrl: ctx.config.baseUrl });
      return reply.redirect(`/investment/cdfis/${inv.cdfiOrganisationId}/investments/${inv.id}/certificate?notice=invested`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'investor');
      return investmentForm(reply, request.actor, id, { values: form, errors: errors.map((e) => ({ ...e, field: e.field === 'amountPence' ? 'amount' : e.field })), status });
    }
  });

  async function certificatePage(reply: FastifyReply, actor: Actor, id: string, inv: string, extra: { values?: Form; errors?: FieldErrors; status?: number; notice?: string } = {}) {
    const [cdfi, investment, limit, canManage] = await Promise.all([service.getCdfi(db, id), service.getCitrInvestment(db, actor, id, inv), service.certificateLimit(db, id), service.managesCdfi(db, actor, id)]);
    return reply.page('investment/views/certificate.njk', { cdfi, investment, limit, canManage, values: extra.values ?? {}, errors: extra.errors, notice: extra.notice, today: todayDay() }, { status: extra.status, form: true });
  }

  app.get('/investment/cdfis/:id/investments/:inv/certificate', async (request, reply) => {
    const { id, inv } = request.params as { id: string; inv: string };
    return certificatePage(reply, request.actor, id, inv, { notice: own(notices, (request.query as Form).notice) });
  });

  app.post('/investment/cdfis/:id/investments/:inv/certificate', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id, inv } = request.params as { id: string; inv: string };
    const form = (request.body ?? {}) as Form;
    try {
      await service.issueCertificate(db, request.actor, id, inv, { issuedOn: form.issuedOn, reference: form.reference });
      return reply.redirect(`/investment/cdfis/${id}?notice=certified#ledger`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'issuedOn');
      return certificatePage(reply, request.actor, id, inv, { values: form, errors, status });
    }
  });

  async function citrRepaymentPage(reply: FastifyReply, actor: Actor, id: string, inv: string, extra: { values?: Form; errors?: FieldErrors; status?: number } = {}) {
    const [cdfi, investment] = await Promise.all([service.getCdfi(db, id), service.getCitrInvestment(db, actor, id, inv)]);
    return reply.page('investment/views/citr-repayment.njk', { cdfi, investment, values: extra.values ?? {}, errors: extra.errors }, { status: extra.status, form: true });
  }

  app.get('/investment/cdfis/:id/investments/:inv/repayments', async (request, reply) => {
    const { id, inv } = request.params as { id: string; inv: string };
    return citrRepaymentPage(reply, request.actor, id, inv);
  });

  app.post('/investment/cdfis/:id/investments/:inv/repayments', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id, inv } = request.params as { id: string; inv: string };
    const form = (request.body ?? {}) as Form;
    try {
      await service.recordCitrRepayment(db, request.actor, id, inv, { repaidOn: form.repaidOn, amountPence: form.amount }, { pounds: true });
      return reply.redirect(`/investment/cdfis/${id}?notice=repaid#ledger`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'amount');
      return citrRepaymentPage(reply, request.actor, id, inv, { values: form, errors: errors.map((e) => ({ ...e, field: e.field === 'amountPence' ? 'amount' : e.field })), status });
    }
  });

  app.get('/investment/cdfis/:id/investors/:org', async (request, reply) => {
    const { id, org } = request.params as { id: string; org: string };
    const statement = await service.investorStatement(db, request.actor, id, org);
    return reply.page('investment/views/investor-statement.njk', { statement });
  });

  app.get('/investment/cdfis/:id/investors/:org/statement.csv', async (request, reply) => {
    const { id, org } = request.params as { id: string; org: string };
    const s = await service.investorStatement(db, request.actor, id, org);
    return sendCsv(reply, 'citr-investor-statement.csv', csvTable(
      ['investment_id', 'kind', 'amount_pence', 'invested_on', 'certificate_reference', 'year', 'year_from', 'year_to', 'relief_base_pence', 'relief_pence', 'no_relief_because'],
      s.investments.flatMap((i) => i.relief.map((y) => [i.id, i.kind, i.amountPence, i.investedOn, i.certificate?.reference ?? '', y.year, y.from, y.to, y.basePence, y.reliefPence, y.stopped ?? ''])),
    ));
  });

  // ---- Deals ----

  async function dealForm(reply: FastifyReply, actor: Actor, extra: { values?: Form; errors?: FieldErrors; status?: number } = {}) {
    const values = extra.values ?? {};
    const investing = await investingOrganisations(ctx, actor);
    if (!investing.length && !actor.isAdmin) throw new AppError(actor.userId ? 'forbidden' : 'unauthenticated', 'You need to be an administrator or finance officer of an investing organisation to make a deal');
    return reply.page('investment/views/deal-new.njk', {
      values, errors: extra.errors,
      investorItems: investing.map((o) => ({ value: o.id, text: o.name, selected: values.investor === o.id })),
      adminInvestor: actor.isAdmin && !investing.length,
    }, { status: extra.status, form: true });
  }

  app.get('/investment/deals/new', async (request, reply) => dealForm(reply, request.actor));

  app.post('/investment/deals', { config: { access: 'signed-in' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const deal = await service.createDeal(db, request.actor, {
        investor: form.investor, investee: form.investee, title: form.title, purpose: form.purpose, grantPence: form.grant, loanPence: form.loan, equityPence: form.equity,
        interestBasisPoints: form.interest, termMonths: form.termMonths, holidayMonths: form.holidayMonths, startsOn: form.startsOn, area: form.area, qualifying: form.qualifying,
      }, { form: true });
      return reply.redirect(`/investment/deals/${deal.id}?notice=made`, 303);
    } catch (error) {
      const rename: Record<string, string> = { grantPence: 'grant', loanPence: 'loan', equityPence: 'equity', interestBasisPoints: 'interest' };
      const { errors, status } = formErrors(error, 'title');
      return dealForm(reply, request.actor, { values: form, errors: errors.map((e) => ({ ...e, field: rename[e.field] ?? e.field })), status });
    }
  });

  app.get('/investment/deals/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const deal = await service.getDeal(db, request.actor, id);
    return reply.page('investment/views/deal.njk', { deal, rate: basisPointsText(deal.interestBasisPoints), notice: own(notices, (request.query as Form).notice), today: new Date().toISOString().slice(0, 10) });
  });

  app.get('/investment/deals/:id/schedule.csv', async (request, reply) => {
    const { id } = request.params as { id: string };
    const deal = await service.getDeal(db, request.actor, id);
    return sendCsv(reply, 'repayment-schedule.csv', csvTable(['number', 'due_on', 'payment_pence', 'interest_pence', 'principal_pence', 'balance_pence'], deal.schedule.map((i) => [i.number, i.dueOn, i.paymentPence, i.interestPence, i.principalPence, i.balancePence])));
  });

  async function dealMoneyPage(reply: FastifyReply, actor: Actor, id: string, template: string, extra: { values?: Form; errors?: FieldErrors; status?: number } = {}) {
    const deal = await service.getDeal(db, actor, id);
    if (!deal.canManage) throw new AppError(actor.userId ? 'forbidden' : 'unauthenticated', 'Only the investor’s administrators and finance officers record repayments and write-offs');
    return reply.page(template, { deal, values: extra.values ?? {}, errors: extra.errors }, { status: extra.status, form: true });
  }

  app.get('/investment/deals/:id/repayments', async (request, reply) => dealMoneyPage(reply, request.actor, (request.params as { id: string }).id, 'investment/views/deal-repayment.njk'));
  app.post('/investment/deals/:id/repayments', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const form = (request.body ?? {}) as Form;
    try {
      await service.recordDealRepayment(db, request.actor, id, { paidOn: form.paidOn, amountPence: form.amount, reference: form.reference }, { pounds: true });
      return reply.redirect(`/investment/deals/${id}?notice=deal-repaid#repayments`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'amount');
      return dealMoneyPage(reply, request.actor, id, 'investment/views/deal-repayment.njk', { values: form, errors: errors.map((e) => ({ ...e, field: e.field === 'amountPence' ? 'amount' : e.field })), status });
    }
  });

  app.get('/investment/deals/:id/write-offs', async (request, reply) => dealMoneyPage(reply, request.actor, (request.params as { id: string }).id, 'investment/views/write-off.njk'));
  app.post('/investment/deals/:id/write-offs', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const form = (request.body ?? {}) as Form;
    try {
      await service.writeOff(db, request.actor, id, { on: form.on, amountPence: form.amount, reason: form.reason }, { pounds: true });
      return reply.redirect(`/investment/deals/${id}?notice=written-off#write-offs`, 303);
    } catch (error) {
      const { errors, status } = formErrors(error, 'amount');
      return dealMoneyPage(reply, request.actor, id, 'investment/views/write-off.njk', { values: form, errors: errors.map((e) => ({ ...e, field: e.field === 'amountPence' ? 'amount' : e.field })), status });
    }
  });
}
