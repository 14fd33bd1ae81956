// Pages for regranting chains (a pot, its onward grants, linking them) and who the money reaches (fairness
// of a publisher, a programme, a pot's chain, a funder across publishers).
import type { App, AppContext } from '../platform/module.ts';
import { isAppError } from '../platform/errors.ts';
import { barChart, percent } from '../platform/charts.ts';
import { money } from './grants.pages.ts';
import * as chains from './grants.chains.ts';
import { funderFairness, grantsFairness, publisherFairness, UNPLACED_REASONS, type GrantsFairness, type NationFairness } from './grants.fairness.ts';

const integer = new Intl.NumberFormat('en-GB');
const num = (text: string) => ({ text, format: 'numeric' });
const DECILE_LABELS = Array.from({ length: 10 }, (_, i) => (i === 0 ? '1 (most deprived)' : i === 9 ? '10 (least)' : String(i + 1)));

/** The link to a pot's page. */
export const potHref = (publisherSlug: string, grantId: string) => `/grants/${encodeURIComponent(publisherSlug)}/pots/${encodeURIComponent(grantId)}`;

function nationView(n: NationFairness, key: 'england' | 'scotland', id: string) {
  const placed = n.deciles.reduce((a, d) => a + d.pence, 0);
  const index = key === 'england' ? 'IMD 2019' : 'SIMD 2020';
  return {
    key, name: key === 'england' ? 'England' : 'Scotland', index, placed: money(placed, 'GBP'), hasMoney: placed > 0, verdict: n.verdict,
    concentration: n.concentrationIndex === null ? 'None (no pound placed)' : n.concentrationIndex.toFixed(3),
    chart: placed > 0 ? barChart({
      id, title: `Share of the pounds placed in ${key === 'england' ? 'England' : 'Scotland'} reaching each ${index} decile, against that decile's share of the population`,
      description: 'Decile 1 is the most deprived 10% of small areas. The table below the chart gives every figure.', categories: DECILE_LABELS,
      series: [{ name: 'Share of the pounds', values: n.deciles.map((d) => d.share) }, { name: 'Share of the population', values: n.deciles.map((d) => d.populationShare) }],
      max: Math.max(0.2, ...n.deciles.map((d) => Math.max(d.share, d.populationShare))), format: (v) => percent(v), labelWidth: 150,
    }) : null,
    rows: n.deciles.map((d) => [{ text: DECILE_LABELS[d.decile - 1]!, classes: 'govuk-table__header' }, num(money(d.pence, 'GBP')), num(percent(d.share)), num(percent(d.populationShare))]),
  };
}

/** What the fairness partial shows: a chart and a table per nation, the unplaced money by reason, other currencies apart. */
export function fairnessView(f: GrantsFairness, idPrefix: string) {
  return {
    nations: [nationView(f.england, 'england', `${idPrefix}-england`), nationView(f.scotland, 'scotland', `${idPrefix}-scotland`)],
    unplacedRows: f.unplaced.reasons.map((r) => [{ text: UNPLACED_REASONS[r.reason] }, num(integer.format(r.count)), num(money(r.pence, 'GBP'))]),
    unplaced: { count: integer.format(f.unplaced.count), pence: money(f.unplaced.pence, 'GBP') },
    otherRows: Object.entries(f.unplaced.otherCurrencies).map(([c, v]) => [{ text: c }, num(integer.format(v.count)), num(money(v.minor, c))]),
  };
}

type Body = Record<string, string | string[] | undefined>;
const list = (v: Body[string]) => (Array.isArray(v) ? v : typeof v === 'string' && v !== '' ? [v] : []);

export function chainsPages(app: App, ctx: AppContext): void {
  const { db } = ctx;

  app.get('/grants/:publisher/pots/:grant', async (request, reply) => {
    const { publisher, grant } = request.params as { publisher: string; grant: string };
    const v = await chains.potView(db, publisher, grant);
    const canLink = v.intermediary ? await chains.mayLink(db, request.actor, v.intermediary.id) : false;
    const cur = v.pot.currency;
    return reply.page('grants/views/pot-page.njk', {
      v, canLink, onwardHref: `${potHref(v.pot.publisher.slug, v.pot.grantId)}/onward`, fairnessHref: `${potHref(v.pot.publisher.slug, v.pot.grantId)}/fairness`,
      amount: money(v.pot.amountMinor, cur), regranted: money(v.regrantedMinor, cur), left: money(v.leftMinor, cur), overspent: v.leftMinor < 0,
      otherText: Object.entries(v.otherCurrencies).map(([c, o]) => `${money(o.total, c)} (${integer.format(o.grants)} grants)`).join('; '),
      laRows: v.byLocalAuthority.map((l) => [{ text: l.name }, num(integer.format(l.grants)), num(money(l.amountMinor, cur))]),
      onwardRows: v.onward.map((g) => [{ text: g.awardDate }, { text: g.title }, { text: g.recipient }, { text: g.localAuthority?.name ?? 'Not given' }, num(money(g.amountMinor, g.currency)),
        { text: g.source === 'related-activity' ? 'In the file (relatedActivity)' : g.source === 'publisher' ? 'By the intermediary when publishing' : 'By the intermediary’s staff' }]),
      ...fairnessView(v.fairness, 'chart-pot'),
    });
  });

  const intermediaryOf = { roles: chains.CHAIN_LINKING_ROLES, organisation: (r: { params: unknown }) => {
    const { publisher, grant } = r.params as { publisher: string; grant: string };
    return chains.potIntermediaryId(db, publisher, grant);
  } };

  async function onwardPage(request: { params: unknown; query: unknown; actor: Parameters<typeof chains.linkCandidates>[1] }, extra: Record<string, unknown> = {}) {
    const { publisher, grant } = request.params as { publisher: string; grant: string };
    const q = (request.query as { q?: string }).q ?? '';
    const v = await chains.potView(db, publisher, grant);
    const candidates = await chains.linkCandidates(db, request.actor, publisher, grant, q);
    const item = (g: { grantId: string; title: string; amountMinor: number; currency: string; awardDate: string; recipient: string }) =>
      ({ value: g.grantId, text: `${g.title}: ${money(g.amountMinor, g.currency)} to ${g.recipient}, ${g.awardDate}` });
    return {
      v, q, action: `${potHref(v.pot.publisher.slug, v.pot.grantId)}/onward`, potHref: potHref(v.pot.publisher.slug, v.pot.grantId), amount: money(v.pot.amountMinor, v.pot.currency),
      linkedItems: v.onward.filter((g) => g.publisher.id === v.intermediary?.id).map(item), candidateItems: candidates.map(item), ...extra,
    };
  }

  app.get('/grants/:publisher/pots/:grant/onward', { config: { access: intermediaryOf } }, async (request, reply) =>
    reply.page('grants/views/pot-onward.njk', await onwardPage(request, { saved: (request.query as { saved?: string }).saved }), { form: true }));

  app.post('/grants/:publisher/pots/:grant/onward', { config: { access: intermediaryOf } }, async (request, reply) => {
    const { publisher, grant } = request.params as { publisher: string; grant: string };
    const body = (request.body ?? {}) as Body;
    try {
      const r = await chains.setOnwardLinks(db, request.actor, publisher, grant, { link: list(body.link), unlink: list(body.unlink) });
      const pot = await chains.findPot(db, publisher, grant);
      return reply.redirect(`${potHref(pot.publisher.slug, pot.row.grant_id)}/onward?saved=${r.linked}-${r.unlinked}`, 303);
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) {
        return reply.page('grants/views/pot-onward.njk', await onwardPage(request, { errors: error.fieldErrors.map((e) => ({ field: 'link', message: e.message })) }), { status: error.status, form: true });
      }
      throw error;
    }
  });

  const method = (what: string) => ({ what });

  app.get('/grants/:publisher/pots/:grant/fairness', async (request, reply) => {
    const { publisher, grant } = request.params as { publisher: string; grant: string };
    const pot = await chains.findPot(db, publisher, grant);
    const f = await grantsFairness(db, { kind: 'pot', organisationId: pot.publisher.id, grantId: pot.row.grant_id });
    return reply.page('grants/views/fairness.njk', {
      heading: `Who the onward grants of “${pot.row.title}” reach`, caption: `${pot.publisher.name}: regranting pot`,
      back: { text: 'The pot', href: potHref(pot.publisher.slug, pot.row.grant_id) }, ...method('the onward grants linked to this pot'),
      jsonHref: `/api/v1/grants/publishers/${encodeURIComponent(pot.publisher.slug)}/pots/${encodeURIComponent(pot.row.grant_id)}/fairness`, ...fairnessView(f, 'chart-fairness'),
    });
  });

  app.get('/grants/:publisher/fairness', async (request, reply) => {
    const { publisher } = request.params as { publisher: string };
    const programme = (request.query as { programme?: string }).programme || null;
    const r = await publisherFairness(db, publisher, programme);
    const base = `/grants/${encodeURIComponent(r.publisher.slug)}/fairness`;
    return reply.page('grants/views/fairness.njk', {
      heading: programme ? `Who the grants of “${programme}” reach` : `Who ${r.publisher.name}’s grants reach`, caption: r.publisher.name,
      back: { text: `Grants published by ${r.publisher.name}`, href: `/grants/${encodeURIComponent(r.publisher.slug)}` },
      ...method(programme ? `the current grants ${r.publisher.name} published in its programme “${programme}”` : `every current grant ${r.publisher.name} published`),
      programmeForm: r.programmes.length ? { action: base, items: [{ value: '', text: 'Every programme' }, ...r.programmes.map((p) => ({ value: p, text: p, selected: p === programme }))] } : null,
      jsonHref: `/api/v1/grants/publishers/${encodeURIComponent(r.publisher.slug)}/fairness${programme ? `?programme=${encodeURIComponent(programme)}` : ''}`,
      ...fairnessView(r.fairness, 'chart-fairness'),
    });
  });

  app.get('/grants/funders/:funder/fairness', async (request, reply) => {
    const { funder } = request.params as { funder: string };
    const r = await funderFairness(db, funder);
    return reply.page('grants/views/fairness.njk', {
      heading: `Who ${r.funder.name}’s grants reach, across publishers`, caption: `${r.funder.name} (${r.funder.orgId})`, back: { text: 'Grants', href: '/grants' },
      ...method(`every current grant that any publisher here gives ${r.funder.name} (${r.funder.orgId}) as its funder`),
      jsonHref: `/api/v1/grants/funders/${encodeURIComponent(r.funder.orgId)}/fairness`, ...fairnessView(r.fairness, 'chart-fairness'),
    });
  });
}

/** The check page's choice of pots a publisher's file draws on (by title: the values are never shown). */
export async function potChoicesFor(ctx: AppContext, publisherId: string) {
  const pots = await chains.potsReceived(ctx.db, publisherId);
  return pots.map((p) => ({ value: p.key, text: `${p.title} (${money(p.amountMinor, p.currency)} from ${p.funder}, ${p.awardDate})` }));
}

/** The pots chosen on the check page (a checkbox field, repeated). */
export function chosenPots(body: unknown): string[] {
  return list(((body ?? {}) as Body).pots).slice(0, 100);
}
