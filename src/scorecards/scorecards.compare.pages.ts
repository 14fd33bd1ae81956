// GOV.UK pages for fair comparison and the worst 10%: /scorecards/compare (choose the kind of service and the
// figure by name; a funnel plot with the table beside it, risk-adjusted figures and ranks with intervals),
// /scorecards/flags (public: every flag in both states and every decision, with an Atom feed) and the
// commissioner's decision page.
import type { App, AppContext } from '../platform/module.ts';
import { isAppError, AppError } from '../platform/errors.ts';
import { percent } from '../platform/charts.ts';
import { sendAtom } from '../platform/atom.ts';
import { funnelChart } from './scorecards.chart.ts';
import { SIGNIFICANCE_TEXT } from './scorecards.funnel.ts';
import { limitsFunction, type Funnel } from './scorecards.stats.ts';
import { compareServices, INDICATOR_LABELS, KIND_LABELS, readCompareQuery, type Comparison } from './scorecards.compare.ts';
import { BOTTOM_DECILE_PROBABILITY, decideFlag, DECISION_LABELS, flags, flagsComputedAt, MIN_RESPONSES, readFlagsQuery, type Flag } from './scorecards.flags.ts';
import { DECISIONS, INDICATORS, SERVICE_KINDS } from './scorecards.peer-review.table.ts';

type Form = Record<string, string | undefined>;

export const kindChoices = SERVICE_KINDS.map((k) => ({ value: k, text: KIND_LABELS[k] }));
export const indicatorChoices = INDICATORS.map((i) => ({ value: i, text: INDICATOR_LABELS[i] }));

function compareChart(c: Comparison): string {
  const f: Funnel = {
    statistic: 'proportion', target: c.target, overdispersion: true, phi: c.phi, tau2: c.tau2,
    rows: c.units.map((u) => ({ unit: u.service, numerator: u.numerator, denominator: u.denominator, value: u.value, lower95: u.lower95, upper95: u.upper95, lower998: u.lower998, upper998: u.upper998, significance: u.significance })),
  };
  return funnelChart({
    id: 'compare-chart', funnel: f, limitsAt: limitsFunction('proportion', c.target, c.tau2 ?? 0), format: (v) => percent(v, 0),
    title: `${c.indicatorLabel}: ${c.units.length} ${c.kindLabel.toLowerCase()} in ${c.period}, against the peer group's ${percent(c.target, 1)}`,
    description: `Each service's figure against its number of responses, with 95% and 99.8% limits${(c.tau2 ?? 0) > 0 ? ' widened for overdispersion' : ''}. The table beside the chart gives every figure, the risk-adjusted figure and the rank with its interval.`,
    xLabel: 'Responses', yLabel: 'Share',
  });
}

function compareRows(c: Comparison) {
  return c.units.map((u) => [
    { html: `<a class="govuk-link" href="/voice/services/${u.serviceId}">${escape(u.service)}</a><br><span class="govuk-body-s">${escape(u.organisation)}</span>` },
    { text: `${u.numerator.toLocaleString('en-GB')} of ${u.denominator.toLocaleString('en-GB')}`, format: 'numeric' },
    { text: percent(u.value), format: 'numeric' },
    { text: `${percent(u.lower998)} to ${percent(u.upper998)}`, format: 'numeric' },
    { text: SIGNIFICANCE_TEXT[u.significance] },
    { text: `${percent(u.adjusted.value)} (O/E ${u.adjusted.ratio.toFixed(2)})`, format: 'numeric' },
    { text: SIGNIFICANCE_TEXT[u.adjusted.significance] },
    { text: `${u.rank.rank} (${u.rank.lower95} to ${u.rank.upper95})`, format: 'numeric' },
    { text: percent(u.rank.bottomDecileProbability, 0), format: 'numeric' },
  ]);
}

export function selectItems(prompt: string, choices: { value: string; text: string }[], chosen: string | undefined) {
  return [{ value: '', text: prompt }, ...choices.map((c) => ({ ...c, selected: c.value === chosen }))];
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function flagView(f: Flag) {
  return {
    ...f,
    tag: f.state === 'awaiting-peer-review' ? 'govuk-tag--yellow' : f.state === 'candidate' ? 'govuk-tag--red' : 'govuk-tag--grey',
    evidenceText: f.evidence.map((e) => `${e.period}: ${percent(e.value)} of ${e.denominator.toLocaleString('en-GB')} (risk-adjusted O/E ${e.adjustedRatio.toFixed(2)}, ${SIGNIFICANCE_TEXT[e.adjustedSignificance as keyof typeof SIGNIFICANCE_TEXT].toLowerCase()}; rank ${e.rank}, 95% interval ${e.rankLower95} to ${e.rankUpper95}; bottom-decile probability ${percent(e.bottomDecileProbability, 0)})`),
    fairnessText: f.fairness.map((d) => `${d.decile === null ? 'Area not known' : `Decile ${d.decile}`}: ${d.responses.toLocaleString('en-GB')}`).join('; '),
    decideHref: `/scorecards/flags/decide?service=${f.serviceId}&indicator=${f.indicator}&period=${f.period}`,
  };
}

export function comparePages(app: App, ctx: AppContext): void {
  const { db } = ctx;
  const thisYear = () => String(new Date().getUTCFullYear());

  app.get('/scorecards/compare', async (request, reply) => {
    const q = (request.query ?? {}) as Form;
    const values = { kind: q.kind ?? '', indicator: q.indicator ?? '', period: q.period ?? thisYear() };
    const base = { kindItems: selectItems('Choose a kind of service', kindChoices, values.kind), indicatorItems: selectItems('Choose a figure', indicatorChoices, values.indicator), values, minResponses: MIN_RESPONSES };
    if (!q.kind && !q.indicator) return reply.page('scorecards/views/compare.njk', base);
    try {
      const c = await compareServices(db, readCompareQuery(q));
      return reply.page('scorecards/views/compare.njk', {
        ...base, result: {
          c, target: percent(c.target), phi: c.phi === null ? null : c.phi.toFixed(2), tau2: c.tau2 === null ? null : c.tau2.toPrecision(3),
          chart: c.units.length ? compareChart(c) : null, rows: compareRows(c),
          outside: c.units.filter((u) => u.significance !== 'as-expected').length,
        },
      });
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) return reply.page('scorecards/views/compare.njk', { ...base, errors: error.fieldErrors }, { status: 400 });
      throw error;
    }
  });

  async function flagsPage(request: { query: unknown }) {
    const q = readFlagsQuery((request.query ?? {}) as Form);
    return { q, list: (await flags(db, q)).map(flagView), computedAt: await flagsComputedAt(db, q.period) };
  }

  app.get('/scorecards/flags', async (request, reply) => {
    const form = (request.query ?? {}) as Form;
    try {
      const { q, list, computedAt } = await flagsPage(request);
      return reply.page('scorecards/views/flags.njk', {
        q, computedAt, values: { kind: q.kind ?? '', period: q.period }, kindItems: selectItems('Every kind', kindChoices, q.kind ?? ''), list, notice: form.notice === 'decided' ? 'The decision is recorded and published below.' : undefined, minResponses: MIN_RESPONSES, probability: percent(BOTTOM_DECILE_PROBABILITY, 0),
        feedLinks: [{ href: `/scorecards/flags.atom?period=${q.period}`, title: `Worst-10% flags and decisions, ${q.period}` }],
      });
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) return reply.page('scorecards/views/flags.njk', { values: form, kindItems: selectItems('Every kind', kindChoices, form.kind), list: [], errors: error.fieldErrors, minResponses: MIN_RESPONSES, probability: percent(BOTTOM_DECILE_PROBABILITY, 0) }, { status: 400 });
      throw error;
    }
  });

  app.get('/scorecards/flags.atom', async (request, reply) => {
    const { q, list } = await flagsPage(request);
    const base = ctx.config.baseUrl;
    return sendAtom(reply, {
      id: `${base}/scorecards/flags.atom?period=${q.period}`, title: `Worst-10% flags and decisions, ${q.period}`, link: `${base}/scorecards/flags?period=${q.period}`,
      selfLink: `${base}/scorecards/flags.atom?period=${q.period}`, fallbackUpdated: `${q.period}-01-01`,
      entries: list.map((f) => ({
        id: `${base}/scorecards/flags/${f.serviceId}/${f.indicator}/${f.period}`, title: `${f.service}: ${f.stateLabel}${f.decision ? ` — ${f.decision.decisionLabel}` : ''}`,
        link: `${base}/scorecards/flags?period=${f.period}#flag-${f.serviceId}-${f.indicator}`, updated: f.decision?.decidedAt ?? f.review?.publishedAt ?? `${f.period}-01-01`,
        summary: `${f.indicatorLabel}. ${f.evidenceText.join(' ')}${f.decision ? ` Decision: ${f.decision.decisionLabel}, by ${f.decision.decidedBy}: ${f.decision.reason}` : ''}`,
        categories: [{ term: f.state }],
      })),
    });
  });

  async function decidePage(request: { query: unknown; actor: import('../platform/actor.ts').Actor }, extra: { values?: Form; errors?: { field: string; message: string }[] } = {}) {
    const q = { ...((request.query ?? {}) as Form), ...(extra.values ?? {}) };
    const period = /^\d{4}$/.test(q.period ?? '') ? q.period! : thisYear();
    const all = await flags(db, { period });
    const flag = all.find((f) => f.serviceId === q.service && f.indicator === q.indicator);
    if (!flag) throw new AppError('not_found', 'That service is not flagged on that figure in that year');
    return { flag: flagView(flag), values: extra.values ?? {}, errors: extra.errors, decisionItems: DECISIONS.map((d) => ({ value: d, text: DECISION_LABELS[d], checked: extra.values?.decision === d })) };
  }

  app.get('/scorecards/flags/decide', { config: { access: 'signed-in' } }, async (request, reply) => reply.page('scorecards/views/flag-decide.njk', await decidePage(request), { form: true }));

  app.post('/scorecards/flags/decisions', { config: { access: 'signed-in' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Form;
    try {
      const f = await decideFlag(db, request.actor, form);
      return reply.redirect(`/scorecards/flags?period=${f.period}&notice=decided#flag-${f.serviceId}-${f.indicator}`, 303);
    } catch (error) {
      if (!isAppError(error) || !['validation_failed', 'conflict', 'unprocessable'].includes(error.code)) throw error;
      const errors = error.fieldErrors.length ? error.fieldErrors : [{ field: 'decision', message: error.message }];
      return reply.page('scorecards/views/flag-decide.njk', await decidePage({ query: { service: form.service, indicator: form.indicator, period: form.period }, actor: request.actor }, { values: form, errors }), { status: error.status, form: true });
    }
  });
}
