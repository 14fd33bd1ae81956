// Exports of an outcomes contract in open standards:
// - INDIGO (the Government Outcomes Lab's data standard for impact bonds and outcomes contracts): one project,
//   in the shape of its project schema's fields (values wrapped as { value }, amounts in currency units).
// - OCDS 1.1.5: outcome payments as implementation transactions of the linked commissioning contract's
//   contracting process (its ocid), one transaction per payment, outcome and payer, each linked to the
//   milestone its outcome meets.
import type { Db } from '../platform/db.ts';
import { AppError } from '../platform/errors.ts';
import { getOrganisation, requireVerifiedPublicBody, type OrganisationView } from '../organisations/organisations.service.ts';
import { getContractSummary, releasePackageForOcid, type ContractSummary } from '../commissioning/commissioning.service.ts';
import * as repo from './outcomes.repository.ts';
import * as service from './outcomes.service.ts';
import { splitByShares } from './outcomes.compute.ts';

/** Pence as an amount in pounds for JSON (exact to the penny when printed). */
export function poundsAmount(pence: number): number {
  const sign = pence < 0 ? '-' : '';
  const abs = BigInt(Math.abs(pence));
  return Number(`${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`);
}

const v = <T>(value: T) => ({ value });

/** An organisation's identifier for exports: its first org-id identifier (GB-LAE-NET), else its Commonweal id. */
export function orgIdentifier(o: Pick<OrganisationView, 'id' | 'identifiers'>): string {
  return o.identifiers[0] ?? `commonweal-${o.id}`;
}

async function organisations(db: Db, ids: string[]): Promise<Map<string, OrganisationView>> {
  const map = new Map<string, OrganisationView>();
  for (const id of new Set(ids)) map.set(id, await getOrganisation(db, id));
  return map;
}

function stage(c: service.ContractView, today: string): string {
  if (today < c.startDate) return 'Contracted';
  if (today <= c.endDate) return 'Implementation';
  return 'Service delivery complete';
}

/**
 * One outcomes contract as an INDIGO project: organisations, dates, overall finance, outcome payment
 * commitments (payers), investments, outcome metrics and their pricing, transactions (outcome payments,
 * drawdowns and repayments), results per outcome metric, and the OCDS ocid when linked.
 */
export async function indigoProject(db: Db, contractId: string, options: { today?: string } = {}) {
  const c = await service.getContract(db, contractId);
  const row = (await repo.findContract(db, c.id))!;
  const [card, payers, ledger, investor, payments, flows, investments] = [
    await service.rateCard(db, c.id), await repo.payersOf(db, row), await service.ledger(db, c.id), await service.investorView(db, c.id),
    await service.listPayments(db, c.id), await repo.flowsOf(db, row), await repo.investmentsOf(db, row),
  ];
  const orgs = await organisations(db, [c.organisationId, c.providerOrganisationId, ...payers.map((p) => p.payer_organisation_id), ...investments.map((i) => i.investor_organisation_id), ...card.flatMap((m) => (m.validatorOrganisationId ? [m.validatorOrganisationId] : []))]);
  const ref = (id: string) => v(orgIdentifier(orgs.get(id)!));
  const gbp = v('GBP');
  const summary = c.commissioningContractId ? await getContractSummary(db, c.commissioningContractId) : null;
  const codeOf = new Map(card.map((m) => [m.id, m.code]));
  const paymentLines = await paymentsByMetric(db, row);
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  return {
    id: `commonweal-${c.id}`,
    name: v(c.title),
    stage_development: v(stage(c, today)),
    social_investment_prototype: v(investments.length ? 'YES' : 'NO'),
    dates: {
      start_date_of_service_provision: v(c.startDate),
      anticipated_end_date_of_service_provision: v(c.endDate),
    },
    jurisdiction: { jurisdiction: v('GB') },
    overall_project_finance: {
      maximum_potential_outcome_payment_v2: { currency: gbp, amount: v(poundsAmount(c.capPence)) },
      total_outcome_payments_made: { currency: gbp, amount: v(poundsAmount(ledger.paidPence)) },
      total_investment_commitment: { currency: gbp, amount: { exact: v(poundsAmount(investor.totals.committedPence)) } },
    },
    investment_details: {
      total_funds_invested: { latest: { currency: gbp, amount: v(poundsAmount(investor.totals.drawnPence)), date: v(today) } },
      internal_rate_of_return: investor.totals.irr === null ? {} : { latest: v(`${(investor.totals.irr * 100).toFixed(1)}%`), date: v(today) },
    },
    purpose_and_classifications: { intervention: v(c.description) },
    service_and_beneficiaries: { target_population: v(c.targetPopulation) },
    organisations: [...orgs.values()].map((o) => ({ id: orgIdentifier(o), name: v(o.name), type: v(o.legalFormLabel), website: v(o.website ?? '') })),
    service_provisions: [{ id: 'provision-1', organisation_id: ref(c.providerOrganisationId), intervention: v(c.description), planned_service: { start_date: v(c.startDate), end_date: v(c.endDate) } }],
    outcome_payment_commitments: payers.map((p) => ({
      organisation_id: ref(p.payer_organisation_id),
      maximum_potential_outcome_payment: { currency: gbp, amount: v(poundsAmount(splitByShares(c.capPence, [{ shareBasisPoints: p.share_basis_points }, { shareBasisPoints: 10000 - p.share_basis_points }])[0]!.pence)) },
      total_outcome_payments: { currency: gbp, amount: v(poundsAmount(ledger.byPayer.find((b) => b.payerOrganisationId === p.payer_organisation_id)?.paidPence ?? 0)) },
      notes: `Pays ${(p.share_basis_points / 100).toFixed(2)}% of each outcome payment`,
    })),
    investments: investor.investments.map((i) => ({
      id: i.id,
      organisation_id: ref(i.investorOrganisationId),
      investment_type: v(i.investmentType === 'debt' ? 'Debt' : i.investmentType === 'equity' ? 'Equity' : 'Combination'),
      investment_commitment: { currency: gbp, amount: { exact: v(poundsAmount(i.committedPence)) } },
      investor_repayment: v(i.repaidPence === 0 ? 'No repayment (no principle or return)' : i.repaidPence < i.drawnPence ? 'Some repayment (but below value of principle)' : i.repaidPence === i.drawnPence ? 'Principal repaid (but no net return)' : 'Principal + positive financial returns'),
      notes: i.irr === null ? '' : `IRR to date ${(i.irr * 100).toFixed(1)}%`,
    })),
    outcome_metrics: card.map((m) => ({
      id: m.code,
      definition: v(m.definition),
      target_population: v(m.targetPopulation || c.targetPopulation),
      ...(m.targetCount === null ? {} : { targeted_number_of_service_users_or_beneficiaries_total: v(m.targetCount) }),
      unit_type_of_targeted_service_users_or_beneficiaries: v('Individual'),
      outcome_validation_method: v(m.validationMethod),
      data_source_for_outcome_validation: v(m.evidenceRequired),
    })),
    outcome_pricings: card.map((m) => ({
      outcome_metric_id: v(m.code),
      currency: gbp,
      price_per_unit: { amount: v(poundsAmount(m.prices.at(-1)?.pricePence ?? 0)) },
      contracted_increases_to_outcome_pricing: v(m.prices.slice(1).map((p) => `From ${p.effectiveFrom}: £${poundsAmount(p.pricePence).toFixed(2)} (${p.note})`).join('; ')),
      price_description: v(m.prices.map((p) => `From ${p.effectiveFrom}: £${poundsAmount(p.pricePence).toFixed(2)}`).join('; ')),
    })),
    transactions: [
      ...paymentLines.flatMap((line) => splitByShares(line.pence, payers.map((p) => ({ payer: p.payer_organisation_id, shareBasisPoints: p.share_basis_points }))).map((part) => ({
        outcome_metric_id: v(codeOf.get(line.metricId)!), date: v(line.paidOn), sending_organisation_id: ref(part.payer), receiving_organisation_id: ref(c.providerOrganisationId),
        transaction_type: v('Outcome Payment'), money: { currency: gbp, amount: v(poundsAmount(part.pence)) },
      }))),
      ...flows.map((f) => {
        const inv = investments.find((i) => i.id === f.investment_id)!;
        return {
          investment_id: v(f.investment_id), date: v(f.flow_on),
          sending_organisation_id: ref(f.kind === 'drawdown' ? inv.investor_organisation_id : c.providerOrganisationId),
          receiving_organisation_id: ref(f.kind === 'drawdown' ? c.providerOrganisationId : inv.investor_organisation_id),
          transaction_type: v(f.kind === 'drawdown' ? (inv.investment_type === 'equity' ? 'Equity' : 'Debt') : 'Capital Repayment and Interest'),
          money: { currency: gbp, amount: v(poundsAmount(f.amount_pence)) },
        };
      }),
    ],
    // One row per payment, outcome and payer: each payer's share of what was paid for that outcome.
    outcome_payments: paymentLines.flatMap((line) => splitByShares(line.pence, payers.map((p) => ({ payer: p.payer_organisation_id, shareBasisPoints: p.share_basis_points }))).map((part) => ({
      outcome_metric_id: v(codeOf.get(line.metricId)!), period: { start_date: v(line.firstAchieved), end_date: v(line.lastAchieved) },
      payer_organisation_id: ref(part.payer), recipient_organisation_id: ref(c.providerOrganisationId), type: v('Actual'),
      money: { currency: gbp, amount: v(poundsAmount(part.pence)) },
    }))),
    results: ledger.byMetric.map((m) => {
      const metric = card.find((x) => x.id === m.metricId)!;
      return {
        outcome_metric_id: v(m.code), result_level: v('Outcome level'), result_type: v(m.resultType === 'interim' ? 'Interim' : 'Final'),
        period: { start_date: v(c.startDate), end_date: v(today < c.endDate ? today : c.endDate) },
        outcomes_achieved: v(`${m.accepted} validated (${m.claimed} claimed, ${m.paid} paid) of ${m.name}`),
        number_with_positive_social_outcomes: v(m.accepted),
        ...(metric.validatorOrganisationId ? { outcomes_validator_organisation_ids: ref(metric.validatorOrganisationId) } : {}),
      };
    }),
    open_contracting_datas: summary ? [{ ocid: summary.ocid }] : [],
  };
}

/** Each payment's amount by outcome metric (in the order of the outcomes' codes), with the span of achievement dates it covers. */
async function paymentsByMetric(db: Db, c: repo.ContractRow) {
  const payments = await repo.paymentsOf(db, c);
  const codeOf = new Map((await repo.metricsOf(db, c)).map((m) => [m.id, m.code]));
  const lines: { paymentId: string; paidOn: string; metricId: string; pence: number; claims: number; firstAchieved: string; lastAchieved: string }[] = [];
  for (const p of payments) {
    const claims = await repo.claimsOf(db, c, { paymentId: p.id });
    const byMetric = new Map<string, repo.ClaimRow[]>();
    for (const cl of claims) byMetric.set(cl.metric_id, [...(byMetric.get(cl.metric_id) ?? []), cl]);
    for (const [metricId, list] of [...byMetric.entries()].sort(([a], [b]) => (codeOf.get(a) ?? a).localeCompare(codeOf.get(b) ?? b))) {
      const dates = list.map((x) => x.achieved_on).sort();
      lines.push({ paymentId: p.id, paidOn: p.paid_on, metricId, pence: list.reduce((s, x) => s + x.amount_pence, 0), claims: list.length, firstAchieved: dates[0]!, lastAchieved: dates.at(-1)! });
    }
  }
  return lines;
}

/** Where a linked contract's releases are published: the commissioning contract's summary (its ocid) and award. */
export interface OcdsTarget { summary: ContractSummary; awardId: string }

/**
 * The commissioning contract an outcomes contract publishes under, and its award (OCDS requires a contract's
 * awardID). 422 when the contract is not linked, or commissioning has published nothing naming its award.
 */
export async function ocdsTarget(db: Db, c: Pick<service.ContractView, 'commissioningContractId' | 'organisationId'>): Promise<OcdsTarget> {
  await requireVerifiedPublicBody(db, c.organisationId, 'publish OCDS releases');
  if (!c.commissioningContractId) throw new AppError('unprocessable', 'This outcomes contract is not linked to a commissioning contract, so it has no ocid to publish under. Its INDIGO export stands alone.');
  const summary = await getContractSummary(db, c.commissioningContractId);
  if (!summary) throw new AppError('unprocessable', `The linked commissioning contract ${c.commissioningContractId} was not found`);
  const awardId = await awardIdFromReleases(db, summary);
  if (!awardId) throw new AppError('unprocessable', `Commissioning has published no contract release for ${summary.ocid} naming contract ${summary.id}, so its award is unknown`);
  return { summary, awardId };
}

/**
 * OCDS requires a contract's awardID. ContractSummary does not carry it, so it is read from the contract
 * release commissioning published for the same ocid (through commissioning's public releasePackageForOcid).
 */
async function awardIdFromReleases(db: Db, summary: ContractSummary): Promise<string | null> {
  try {
    const pkg = (await releasePackageForOcid(db, summary.ocid, '')) as { releases?: { contracts?: { id?: string; awardID?: string }[] }[] };
    for (const r of [...(pkg.releases ?? [])].reverse()) {
      const found = r.contracts?.find((x) => x.id === summary.id && x.awardID);
      if (found) return String(found.awardID);
    }
  } catch {
    return null;
  }
  return null;
}

/**
 * An OCDS 1.1.5 release (tag `implementation`) of the contract as it stands, for the linked commissioning
 * contract's ocid: each outcome payment becomes one transaction per outcome and payer (the payer's share of the
 * outcome's claims), its id `<payment>-<outcome>-<n>`, and each names the implementation milestone it pays in
 * `relatedImplementationMilestone` (an additional field: OCDS 1.1.5 core has no transaction-to-milestone link).
 * Milestones are the commissioning contract's where the outcome names one, else one per outcome of type
 * `payment`, met on its first payment. Pure of the clock: the id and date are given (outcomes.ocds.ts mints
 * and stores releases; exported so tests can pass a summary).
 */
export async function buildOcdsRelease(db: Db, c: service.ContractView, summary: ContractSummary, options: { awardId: string; releaseId: string; date: Date }) {
  const row = (await repo.findContract(db, c.id))!;
  const [card, payers, lines] = [await service.rateCard(db, c.id), await repo.payersOf(db, row), await paymentsByMetric(db, row)];
  const orgs = await organisations(db, [c.providerOrganisationId, ...payers.map((p) => p.payer_organisation_id)]);
  const party = (id: string) => ({ id: orgIdentifier(orgs.get(id)!), name: orgs.get(id)!.name });
  const milestoneFor = (metric: service.MetricView) => {
    const linked = metric.commissioningMilestoneId ? summary.milestones.find((m) => m.id === metric.commissioningMilestoneId) : null;
    return linked ? { id: linked.id, title: linked.title } : { id: `outcome-${metric.code}`, title: `Outcome ${metric.code}: ${metric.name}` };
  };
  const transactions = lines.flatMap((line) => {
    const metric = card.find((m) => m.id === line.metricId)!;
    return splitByShares(line.pence, payers.map((p) => ({ payer: p.payer_organisation_id, shareBasisPoints: p.share_basis_points }))).filter((x) => x.pence > 0).map((part, n) => ({
      id: `${line.paymentId}-${metric.code}-${n + 1}`,
      date: `${line.paidOn}T00:00:00Z`,
      value: { amount: poundsAmount(part.pence), currency: 'GBP' },
      payer: party(part.payer),
      payee: party(c.providerOrganisationId),
      relatedImplementationMilestone: milestoneFor(metric),
    }));
  });
  const firstPaid = new Map<string, string>();
  for (const l of lines) if (!firstPaid.has(l.metricId)) firstPaid.set(l.metricId, l.paidOn);
  const milestones = card.filter((m) => !m.commissioningMilestoneId || !summary.milestones.some((x) => x.id === m.commissioningMilestoneId)).map((m) => ({
    id: `outcome-${m.code}`, title: `Outcome ${m.code}: ${m.name}`, type: 'payment', description: m.definition,
    status: firstPaid.has(m.id) ? 'met' : 'scheduled', ...(firstPaid.has(m.id) ? { dateMet: `${firstPaid.get(m.id)}T00:00:00Z` } : {}),
  }));
  for (const m of card) {
    const linked = m.commissioningMilestoneId ? summary.milestones.find((x) => x.id === m.commissioningMilestoneId) : null;
    if (linked && !milestones.some((x) => x.id === linked.id)) {
      milestones.push({ id: linked.id, title: linked.title, type: 'payment', description: m.definition, status: firstPaid.has(m.id) ? 'met' : 'scheduled', ...(firstPaid.has(m.id) ? { dateMet: `${firstPaid.get(m.id)}T00:00:00Z` } : {}) });
    }
  }
  const roles = new Map<string, Set<string>>();
  const addRole = (id: string, role: string) => roles.set(id, (roles.get(id) ?? new Set()).add(role));
  for (const p of payers) addRole(p.payer_organisation_id, 'payer');
  addRole(c.providerOrganisationId, 'payee');
  addRole(c.providerOrganisationId, 'supplier');
  return {
    ocid: summary.ocid,
    id: options.releaseId,
    date: options.date.toISOString(),
    tag: ['implementation'],
    initiationType: 'tender',
    parties: [...roles.entries()].map(([id, r]) => ({ ...party(id), roles: [...r] })),
    contracts: [{
      id: summary.id,
      awardID: options.awardId,
      title: summary.title,
      implementation: { transactions, milestones },
    }],
  };
}
