import type { App, AppContext } from '../platform/module.ts';
import type { Actor } from '../platform/actor.ts';
import { isAppError, type FieldError } from '../platform/errors.ts';
import { barChart } from '../platform/charts.ts';
import * as service from './outcomes.service.ts';
import * as agreements from './outcomes.agreements.ts';
import { indigoProject } from './outcomes.exports.ts';
import { poundsText } from './outcomes.compute.ts';
import { rolesByOrganisation } from '../platform/auth/policy.ts';
import { AppError } from '../platform/errors.ts';
import { own } from '../platform/sanitise.ts';
import { organisationsNamed } from '../organisations/organisations.service.ts';

type Form = Record<string, string | string[] | undefined>;
const formErrors = ['validation_failed', 'unprocessable', 'conflict'];

/** A rate as people read it: 0.1234 → "12.3%"; null → "Not yet known". */
export function rateText(rate: number | null): string {
  return rate === null ? 'Not yet known' : `${(rate * 100).toFixed(1)}%`;
}

function basisPointsText(bp: number | null): string {
  return bp === null ? 'Not applicable' : `${(bp / 100).toFixed(2)}%`;
}

const notices: Record<string, string> = {
  created: 'The outcomes contract is open. Add the outcomes it pays for, with their prices, to its rate card.',
  claimed: 'The claim is recorded. A validator will accept or reject it.',
  accepted: 'The claim is accepted: it is now a payment due.',
  rejected: 'The claim is rejected, with your reason.',
  paid: 'The payment is recorded against the claims it pays.',
  signed: 'Your signature is recorded.',
  progress: 'Your progress update is recorded.',
  reviewed: 'The review is kept.',
};

export function outcomesPages(app: App, ctx: AppContext): void {
  const { db } = ctx;

  app.get('/outcomes', async (request, reply) => {
    const contracts = await service.listContracts(db);
    const names = await service.namesFor(db, contracts.flatMap((c) => [c.organisationId, c.providerOrganisationId]));
    const publicAgreements = await agreements.listPublicAgreements(db);
    const agreementOrgs = await service.namesFor(db, publicAgreements.map((a) => a.organisationId));
    const mine = await agreements.myAgreements(db, request.actor);
    return reply.page('outcomes/views/index.njk', {
      contracts: contracts.map((c) => ({ ...c, commissioner: names.get(c.organisationId), provider: names.get(c.providerOrganisationId) })),
      agreements: publicAgreements.map((a) => ({ ...a, organisation: agreementOrgs.get(a.organisationId), achieved: a.terms.filter((t) => t.serviceStatus === 'achieved' && t.citizenStatus === 'achieved').length })),
      mine,
    });
  });

  async function contractPage(actor: Actor, id: string, extra: { values?: Form; errors?: FieldError[]; notice?: string; errorAt?: string }) {
    const [contract, rateCard, ledger, payments, comparisons, permissions] = await Promise.all([
      service.getContract(db, id), service.rateCard(db, id), service.ledger(db, id), service.listPayments(db, id), service.listComparisons(db, id), service.contractPermissions(db, actor, id),
    ]);
    const claims = permissions.see ? await service.listClaims(db, actor, id) : [];
    const names = await service.namesFor(db, [contract.organisationId, contract.providerOrganisationId, ...ledger.byPayer.map((p) => p.payerOrganisationId), ...rateCard.map((m) => m.validatorOrganisationId)]);
    const codeOf = new Map(rateCard.map((m) => [m.id, m.code]));
    const validate = new Set(permissions.validateMetricIds);
    return {
      contract, ledger, payments, permissions, notice: extra.notice, errors: extra.errors, errorAt: extra.errorAt, values: extra.values ?? {},
      names: Object.fromEntries([...names.entries()].map(([k, v]) => [k, v])),
      rateCard: rateCard.map((m) => ({ ...m, price: m.prices.at(-1)?.pricePence ?? 0, validator: m.validatorOrganisationId ? names.get(m.validatorOrganisationId) : names.get(contract.organisationId) })),
      comparisons: comparisons.map((c) => ({ ...c, cohortRate: basisPointsText(c.cohortRateBasisPoints), comparisonRate: basisPointsText(c.comparisonRateBasisPoints), improvement: basisPointsText(c.improvementBasisPoints), threshold: basisPointsText(c.thresholdBasisPoints) })),
      pending: claims.filter((c) => c.status === 'claimed').map((c) => ({ ...c, code: codeOf.get(c.metricId), canDecide: validate.has(c.metricId) })),
      due: claims.filter((c) => c.status === 'accepted' && !c.paymentId).map((c) => ({ value: c.id, text: `${c.participantRef} · ${codeOf.get(c.metricId)} · ${poundsText(c.amountPence)}`, checked: ([] as string[]).concat(extra.values?.claimIds ?? []).includes(c.id) })),
      metricItems: [{ value: '', text: 'Choose the outcome' }, ...rateCard.map((m) => ({ value: m.code, text: `${m.code}: ${m.name}`, selected: extra.values?.metric === m.code }))],
    };
  }

  app.get('/outcomes/contracts/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    const data = await contractPage(request.actor, id, { notice: own(notices, (request.query as Form).notice) });
    return reply.page('outcomes/views/contract.njk', data, { form: true });
  });

  /** Runs a form's action; on a problem with what was sent, shows the contract page again with the errors. */
  async function contractForm(request: { actor: Actor; body: unknown }, reply: import('fastify').FastifyReply, id: string, at: string, field: string, action: (form: Form) => Promise<string>) {
    const form = (request.body ?? {}) as Form;
    try {
      const notice = await action(form);
      return reply.redirect(`/outcomes/contracts/${id}?notice=${notice}#${at}`, 303);
    } catch (error) {
      if (!isAppError(error) || !formErrors.includes(error.code)) throw error;
      const errors = error.fieldErrors.length ? error.fieldErrors : [{ field, message: error.message }];
      const data = await contractPage(request.actor, id, { values: form, errors, errorAt: at });
      return reply.page('outcomes/views/contract.njk', data, { status: error.status });
    }
  }

  app.post('/outcomes/contracts/:id/claims', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    return contractForm(request, reply, id, 'claim', 'metric', async (f) => {
      await service.claimOutcome(db, request.actor, id, { metric: f.metric, participantRef: f.participantRef, achievedOn: f.achievedOn, evidence: f.evidence }, { baseUrl: ctx.config.baseUrl });
      return 'claimed';
    });
  });

  app.post('/outcomes/contracts/:id/claims/:claim/decision', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id, claim } = request.params as { id: string; claim: string };
    return contractForm(request, reply, id, 'claims', `reason-${claim}`, async (f) => {
      const r = await service.decideClaim(db, request.actor, claim, { decision: f.decision, reason: f.reason });
      return r.status;
    });
  });

  app.post('/outcomes/contracts/:id/payments', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    return contractForm(request, reply, id, 'pay', 'claimIds', async (f) => {
      await service.recordPayment(db, request.actor, id, { claimIds: ([] as string[]).concat(f.claimIds ?? []), paidOn: f.paidOn, reference: f.reference });
      return 'paid';
    });
  });

  app.get('/outcomes/contracts/:id/claims', async (request, reply) => {
    const { id } = request.params as { id: string };
    const status = (request.query as Form).status as string | undefined;
    const [contract, rateCard, all, permissions] = await Promise.all([service.getContract(db, id), service.rateCard(db, id), service.listClaims(db, request.actor, id), service.contractPermissions(db, request.actor, id)]);
    const codeOf = new Map(rateCard.map((m) => [m.id, m.code]));
    const validate = new Set(permissions.validateMetricIds);
    const counts = { claimed: 0, accepted: 0, rejected: 0 };
    for (const c of all) counts[c.status]++;
    const claims = all.filter((c) => !status || c.status === status).map((c) => ({ ...c, code: codeOf.get(c.metricId), canDecide: c.status === 'claimed' && validate.has(c.metricId) }));
    return reply.page('outcomes/views/claims.njk', { contract, claims, counts }, { form: true });
  });

  app.get('/outcomes/contracts/:id/investors', async (request, reply) => {
    const { id } = request.params as { id: string };
    const [contract, view] = await Promise.all([service.getContract(db, id), service.investorView(db, id)]);
    const names = await service.namesFor(db, [contract.organisationId, contract.providerOrganisationId, ...view.investments.map((i) => i.investorOrganisationId)]);
    const investments = view.investments.map((i) => ({ ...i, investor: names.get(i.investorOrganisationId)?.name ?? 'Investor', investorOrganisation: names.get(i.investorOrganisationId) ?? null, irrText: rateText(i.irr) }));
    const chart = investments.length ? barChart({
      id: 'investor-chart',
      title: `Money committed, drawn down and repaid, by investor, for ${contract.title}`,
      description: 'The same figures are in the table below the chart.',
      categories: investments.map((i) => i.investor),
      series: [
        { name: 'Committed', values: investments.map((i) => i.committedPence) },
        { name: 'Drawn down', values: investments.map((i) => i.drawnPence) },
        { name: 'Repaid', values: investments.map((i) => i.repaidPence) },
      ],
      format: (p) => poundsText(p).replace(/\.00$/, ''),
      width: 900, labelWidth: Math.min(420, 40 + 8 * Math.max(...investments.map((i) => i.investor.length))),
    }) : null;
    return reply.page('outcomes/views/investors.njk', {
      contract, view, investments, chart, totalIrr: rateText(view.totals.irr),
      timeline: view.timeline.map((t) => ({ ...t, who: t.investorOrganisationId ? names.get(t.investorOrganisationId)?.name : names.get(contract.organisationId)?.name })),
      names: Object.fromEntries(names.entries()),
    });
  });

  app.get('/outcomes/contracts/:id/indigo.json', async (request, reply) => {
    const { id } = request.params as { id: string };
    const project = await indigoProject(db, id);
    return reply.header('content-type', 'application/json; charset=utf-8').header('content-disposition', `attachment; filename="indigo-${id}.json"`).send(JSON.stringify(project, null, 2));
  });

  // ---- Agreements ----

  async function agreementPage(actor: Actor, id: string, extra: { values?: Form; errors?: FieldError[]; notice?: string }) {
    const a = await agreements.getAgreement(db, actor, id);
    const names = await service.namesFor(db, [a.organisationId]);
    const termText = new Map(a.terms.map((t) => [t.id, t.text]));
    const label = (s: string | null) => (s ? agreements.progressLabels[s as keyof typeof agreements.progressLabels] : 'Not yet recorded');
    return {
      agreement: a, organisation: names.get(a.organisationId), notice: extra.notice, errors: extra.errors, values: extra.values ?? {},
      canSign: a.yourSide !== null && (a.yourSide === 'service' ? !a.serviceSignedAt : !a.partySignedAt),
      terms: a.terms.map((t) => ({ ...t, serviceLabel: label(t.serviceStatus), citizenLabel: label(t.citizenStatus) })),
      progress: (a.progress ?? []).slice().reverse().map((p) => ({ ...p, term: termText.get(p.termId), statusLabel: label(p.status) })),
      termItems: [{ value: '', text: 'Choose an outcome or commitment' }, ...a.terms.map((t) => ({ value: t.id, text: t.text, selected: extra.values?.termId === t.id }))],
      statusItems: agreements.progressStatuses.map((s) => ({ value: s, text: agreements.progressLabels[s], checked: extra.values?.status === s })),
    };
  }

  const termRows = 6;

  /** The organisations in which the actor may draft agreements (administrator or staff). */
  async function serviceOrganisations(actor: Actor): Promise<{ id: string; name: string }[]> {
    if (!actor.userId) return [];
    const roles = await rolesByOrganisation(db, actor.userId);
    const ids = [...roles.entries()].filter(([, r]) => r.includes('admin') || r.includes('staff')).map(([id]) => id);
    const names = await service.namesFor(db, ids);
    return ids.map((id) => ({ id, name: names.get(id)?.name ?? id })).sort((a, b) => a.name.localeCompare(b.name));
  }

  function draftData(orgs: { id: string; name: string }[], values: Form, errors?: FieldError[]) {
    const v = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : '');
    return {
      values, errors,
      organisationItems: [{ value: '', text: 'Choose the service’s organisation' }, ...orgs.map((o) => ({ value: o.id, text: o.name, selected: v('organisation') === o.id }))],
      partyKindItems: [{ value: 'person', text: 'A person', checked: v('partyKind') === 'person' }, { value: 'group', text: 'A group, such as a tenants’ association', checked: v('partyKind') === 'group' }],
      terms: Array.from({ length: termRows }, (_, i) => ({
        index: i, text: v(`terms.${i}.text`), measure: v(`terms.${i}.measure`),
        sideItems: [{ value: 'service', text: 'The service', selected: (v(`terms.${i}.side`) || (i < 3 ? 'service' : 'citizen')) === 'service' }, { value: 'citizen', text: 'The citizens’ side', selected: (v(`terms.${i}.side`) || (i < 3 ? 'service' : 'citizen')) === 'citizen' }],
        kindItems: [{ value: 'commitment', text: 'Commitment', selected: (v(`terms.${i}.kind`) || 'commitment') === 'commitment' }, { value: 'outcome', text: 'Outcome sought', selected: v(`terms.${i}.kind`) === 'outcome' }],
      })),
    };
  }

  // A commissioner opens an outcomes contract (its rate card, payers and investors are set on the contract's page and API).
  async function commissioningOrganisations(actor: Actor): Promise<{ id: string; name: string }[]> {
    if (!actor.userId) return [];
    const roles = await rolesByOrganisation(db, actor.userId);
    const ids = [...roles.entries()].filter(([, r]) => r.includes('admin') || r.includes('commissioner')).map(([id]) => id);
    const names = await service.namesFor(db, ids);
    return ids.map((id) => ({ id, name: names.get(id)?.name ?? id })).sort((a, b) => a.name.localeCompare(b.name));
  }

  function contractFormData(orgs: { id: string; name: string }[], values: Form, errors?: FieldError[]) {
    const v = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : '');
    return { values, errors, organisationItems: [{ value: '', text: 'Choose the commissioning organisation' }, ...orgs.map((o) => ({ value: o.id, text: o.name, selected: v('organisation') === o.id }))] };
  }

  app.get('/outcomes/contracts/new', { config: { access: 'signed-in' } }, async (request, reply) => {
    const orgs = await commissioningOrganisations(request.actor);
    if (!orgs.length && !request.actor.isAdmin) throw new AppError('forbidden', 'Only commissioners and administrators of an organisation can open an outcomes contract for it');
    return reply.page('outcomes/views/contract-new.njk', contractFormData(orgs, {}));
  });

  app.post('/outcomes/contracts/new', { config: { access: 'signed-in' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    const f = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : '');
    try {
      const c = await service.createContract(db, request.actor, {
        // The provider is typed by name; when several match, the page asks which (`providerChoice`, one of them).
        organisation: f('organisation'), provider: f('providerChoice') || f('provider'), title: f('title'), description: f('description'), targetPopulation: f('targetPopulation'),
        startDate: f('startDate'), endDate: f('endDate'), capPounds: f('capPounds'), personCapPounds: f('personCapPounds'),
      });
      return reply.redirect(`/outcomes/contracts/${c.id}?notice=created`, 303);
    } catch (error) {
      if (!isAppError(error) || !formErrors.includes(error.code)) throw error;
      const errors = error.fieldErrors.length ? error.fieldErrors : [{ field: 'organisation', message: error.message }];
      const ambiguous = errors.some((e) => e.field === 'provider' && /choose one$/.test(e.message));
      const providerChoices = ambiguous ? (await organisationsNamed(db, f('provider'))).choices.map((o) => ({ id: o.id, name: o.name, identifier: o.identifiers[0] ?? null, verified: o.verified })) : [];
      return reply.page('outcomes/views/contract-new.njk', { ...contractFormData(await commissioningOrganisations(request.actor), form, errors), providerChoices }, { status: error.status });
    }
  });

  app.get('/outcomes/agreements/new', { config: { access: 'signed-in' } }, async (request, reply) => {
    const orgs = await serviceOrganisations(request.actor);
    if (!orgs.length && !request.actor.isAdmin) throw new AppError('forbidden', 'Only administrators and staff of a service’s organisation can draft an agreement');
    return reply.page('outcomes/views/agreement-new.njk', draftData(orgs, {}));
  });

  app.post('/outcomes/agreements/new', { config: { access: 'signed-in' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    const f = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : '');
    // Blank term rows are left out; their position still names the row in an error.
    const rows = Array.from({ length: termRows }, (_, i) => ({ row: i, side: f(`terms.${i}.side`), kind: f(`terms.${i}.kind`), text: f(`terms.${i}.text`), measure: f(`terms.${i}.measure`) }))
      .filter((t) => t.text.trim() !== '' || t.measure.trim() !== '');
    const terms = rows.map(({ row: _row, ...t }) => t);
    try {
      const a = await agreements.createAgreement(db, request.actor, {
        organisation: f('organisation'), serviceName: f('serviceName'), title: f('title'), summary: f('summary'), partyKind: f('partyKind'),
        groupName: f('groupName'), partyEmail: f('partyEmail'), partyName: f('partyName'), nextReviewOn: f('nextReviewOn'), terms,
      });
      return reply.redirect(`/outcomes/agreements/${a.id}`, 303);
    } catch (error) {
      if (!isAppError(error) || !formErrors.includes(error.code) && error.code !== 'forbidden') throw error;
      const errors = error.fieldErrors.length ? error.fieldErrors.map((e) => ({ ...e, field: e.field.replace(/^terms\.(\d+)\./, (_m, n: string) => `terms-${rows[Number(n)]?.row ?? n}-`) })) : [{ field: 'organisation', message: error.message }];
      return reply.page('outcomes/views/agreement-new.njk', draftData(await serviceOrganisations(request.actor), form, errors), { status: error.status });
    }
  });

  app.get('/outcomes/agreements/:id', async (request, reply) => {
    const { id } = request.params as { id: string };
    return reply.page('outcomes/views/agreement.njk', await agreementPage(request.actor, id, { notice: own(notices, (request.query as Form).notice) }), { form: true });
  });

  async function agreementForm(request: { actor: Actor; body: unknown }, reply: import('fastify').FastifyReply, id: string, field: string, action: (form: Form) => Promise<string>) {
    const form = (request.body ?? {}) as Form;
    try {
      const notice = await action(form);
      return reply.redirect(`/outcomes/agreements/${id}?notice=${notice}`, 303);
    } catch (error) {
      if (!isAppError(error) || !formErrors.includes(error.code)) throw error;
      const errors = error.fieldErrors.length ? error.fieldErrors : [{ field, message: error.message }];
      return reply.page('outcomes/views/agreement.njk', await agreementPage(request.actor, id, { values: form, errors }), { status: error.status });
    }
  }

  app.post('/outcomes/agreements/:id/sign', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    return agreementForm(request, reply, id, 'sign', async () => {
      await agreements.signAgreement(db, request.actor, id);
      return 'signed';
    });
  });

  app.post('/outcomes/agreements/:id/progress', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    return agreementForm(request, reply, id, 'termId', async (f) => {
      await agreements.recordProgress(db, request.actor, id, { termId: f.termId, status: f.status, note: f.note });
      return 'progress';
    });
  });

  app.post('/outcomes/agreements/:id/reviews', { config: { access: 'signed-in' } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    return agreementForm(request, reply, id, 'summary', async (f) => {
      await agreements.recordReview(db, request.actor, id, { heldOn: f.heldOn, summary: f.summary, nextReviewOn: f.nextReviewOn });
      return 'reviewed';
    });
  });
}
