import type { App, AppContext } from '../platform/module.ts';
import { isAppError } from '../platform/errors.ts';
import { barChart, percent } from '../platform/charts.ts';
import * as service from './places.service.ts';

type Query = Record<string, string | undefined>;

const DECILE_LABELS = Array.from({ length: 10 }, (_, i) => (i === 0 ? '1 (most deprived)' : i === 9 ? '10 (least)' : String(i + 1)));
const oneDp = (n: number) => n.toFixed(1);

function fairnessChart(report: service.FairnessView, id: string): string {
  return barChart({
    id,
    title: `Share of the amount reaching each ${report.index === 'imd2019' ? 'IMD 2019' : 'SIMD 2020'} decile, against that decile's share of the population`,
    description: 'Decile 1 is the most deprived 10% of areas. The table below the chart gives every figure.',
    categories: DECILE_LABELS,
    series: [
      { name: 'Share of the amount', values: report.deciles.map((d) => d.share) },
      { name: 'Share of the population', values: report.deciles.map((d) => d.populationShare) },
    ],
    max: Math.max(0.2, ...report.deciles.map((d) => Math.max(d.share, d.populationShare))),
    format: (v) => percent(v),
    labelWidth: 150,
  });
}

export function placesPages(app: App, ctx: AppContext): void {
  const { db } = ctx;

  app.get('/places', async (request, reply) => {
    const q = request.query as Query;
    const page = Math.max(1, Number.parseInt(q.page ?? '1', 10) || 1);
    const search = q.q && q.q.trim() !== '' ? await service.searchPlaces(db, { q: q.q, page, pageSize: 25 }) : null;
    // A code that names exactly one place goes straight to it.
    if (search && search.areas.length === 1 && search.totalAreas === 1 && search.localAuthorities.length === 0 && search.areas[0]!.code === q.q!.trim().toUpperCase()) {
      return reply.redirect(`/places/area/${search.areas[0]!.code}`, 303);
    }
    if (search && search.localAuthorities.length === 1 && search.areas.length === 0 && search.localAuthorities[0]!.code === q.q!.trim().toUpperCase()) {
      return reply.redirect(`/places/la/${search.localAuthorities[0]!.code}`, 303);
    }
    const las = await service.listLocalAuthorities(db);
    const england = las.filter((l) => l.country === 'england' && l.summary).sort((a, b) => (a.summary!.rankOfAvgScore ?? 0) - (b.summary!.rankOfAvgScore ?? 0));
    const scotland = las.filter((l) => l.country === 'scotland').sort((a, b) => b.inDecile1 / b.areas - a.inDecile1 / a.areas);
    const top = england.slice(0, 20);
    const chart = top.length ? barChart({
      id: 'chart-districts',
      title: 'The 20 English local authority districts with the highest average IMD 2019 score',
      description: 'Population-weighted average score; higher is more deprived. The table below gives every district.',
      categories: top.map((l) => l.name),
      series: [{ name: 'Average score', values: top.map((l) => l.summary!.avgScore ?? 0) }],
      format: oneDp,
      labelWidth: 210,
    }) : null;
    const pages = search ? Math.max(1, Math.ceil(search.totalAreas / search.pageSize)) : 1;
    const link = (p: number) => `/places?${new URLSearchParams({ q: q.q ?? '', page: String(p) })}`;
    return reply.page('places/views/index.njk', {
      query: q.q ?? '', search, england, scotland, chart, datasets: await service.loadedDatasets(db),
      pagination: search && pages > 1 ? {
        previous: page > 1 ? { href: link(page - 1) } : undefined,
        next: page < pages ? { href: link(page + 1) } : undefined,
      } : null,
    });
  });

  app.get('/places/la/:code', async (request, reply) => {
    const view = await service.getLocalAuthority(db, (request.params as { code: string }).code);
    const chart = barChart({
      id: 'chart-la-deciles',
      title: `How many of ${view.localAuthority.name}'s small areas fall in each national deprivation decile`,
      description: 'Decile 1 is the most deprived 10% nationally. The table beside the chart gives the figures.',
      categories: DECILE_LABELS,
      series: [{ name: 'Small areas', values: view.byDecile.map((d) => d.areas) }],
      format: (v) => String(v),
      labelWidth: 150,
    });
    return reply.page('places/views/la.njk', { ...view, chart, imd: view.summaries.find((s) => s.measure === 'imd') ?? null });
  });

  app.get('/places/area/:code', async (request, reply) => {
    const code = (request.params as { code: string }).code.trim().toUpperCase();
    if (/^(E0[6-9]|S12)\d{6}$/.test(code)) return reply.redirect(`/places/la/${code}`, 303);
    const view = await service.getArea(db, code);
    const n = view.area.of;
    const chart = barChart({
      id: 'chart-domains',
      title: `How deprived ${view.area.name} is on each of the seven domains: the percentage of ${view.area.country === 'england' ? 'England' : 'Scotland'}'s small areas that are less deprived`,
      description: 'A longer bar means more deprived; 100% would be the most deprived area in the country. The table beside the chart gives each domain’s rank and decile.',
      categories: view.domains.map((d) => d.label),
      series: [{ name: 'Less deprived than this area', values: view.domains.map((d) => (n - d.rank) / n) }],
      max: 1,
      format: (v) => percent(v, 0),
      width: 480,
      labelWidth: 230,
    });
    return reply.page('places/views/area.njk', { ...view, chart });
  });

  app.get('/places/fairness', async (_request, reply) =>
    reply.page('places/views/fairness.njk', { values: {} }, { form: true }));

  app.post('/places/fairness', { config: { access: 'public' } }, async (request, reply) => {
    const form = (request.body ?? {}) as Query;
    try {
      const amounts = await service.parseAmountsCsv(form.csv ?? '', 'csv');
      const report = await service.fairnessReport(db, amounts);
      return reply.page('places/views/fairness.njk', {
        values: form, report, lines: amounts.length, chart: fairnessChart(report, 'chart-fairness'),
        rows: report.deciles.map((d) => ({ ...d, sharePct: percent(d.share), populationSharePct: percent(d.populationShare) })),
        bands: {
          d10: `${percent(report.mostDeprived10.share)} of the amount, ${percent(report.mostDeprived10.populationShare)} of the people`,
          d20: `${percent(report.mostDeprived20.share)} of the amount, ${percent(report.mostDeprived20.populationShare)} of the people`,
        },
        concentration: report.concentrationIndex.toFixed(3),
      }, { form: true });
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) {
        const errors = error.fieldErrors.map((e) => ({ field: 'csv', message: e.message }));
        return reply.page('places/views/fairness.njk', { values: form, errors }, { status: error.status, form: true });
      }
      throw error;
    }
  });

  app.get('/places/siting', async (request, reply) => {
    const q = request.query as Query;
    const las = (await service.listLocalAuthorities(db)).sort((a, b) => a.name.localeCompare(b.name));
    const laItems = [{ value: '', text: 'Choose a local authority' }, ...las.map((l) => ({ value: l.code, text: `${l.name} (${l.code})`, selected: l.code === q.la }))];
    const asked = (q.codes ?? '').trim() !== '' || (q.la ?? '') !== '';
    if (!asked) return reply.page('places/views/siting.njk', { values: q, laItems });
    try {
      const result = await service.siting(db, { codes: service.parseCodes(q.codes ?? ''), laCode: (q.codes ?? '').trim() === '' ? q.la : undefined, limit: 50 });
      return reply.page('places/views/siting.njk', { values: q, laItems, result });
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) {
        return reply.page('places/views/siting.njk', { values: q, laItems, errors: error.fieldErrors }, { status: error.status });
      }
      throw error;
    }
  });
}
