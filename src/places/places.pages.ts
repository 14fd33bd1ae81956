import type { App, AppContext } from '../platform/module.ts';
import { isAppError } from '../platform/errors.ts';
import { barChart, percent } from '../platform/charts.ts';
import * as service from './places.service.ts';
import { areasForPlaces, areasOfPlace, findPlace, monthWords } from './places.finder.ts';
import { IMD_DOMAINS, type ImdDomain } from './places.types.ts';
import { IMD_DOMAIN_LABELS } from './places.geography.ts';
import type { FieldError } from '../platform/errors.ts';
import { AppError } from '../platform/errors.ts';

type Query = Record<string, string | undefined>;
/** A form body: urlencoded fields are strings; a multipart form's file arrives as a Buffer; repeated fields as arrays. */
type FormBody = Record<string, string | string[] | Buffer | undefined>;

/** The text of an uploaded file, or null when none was chosen (a browser sends an empty part for that). */
function uploadedText(value: FormBody[string]): string | null {
  if (!Buffer.isBuffer(value) || value.length === 0) return null;
  return value.toString('utf8').replace(/^\uFEFF/, '');
}

/** A form field as a string: the first of repeated values; files are not text fields. */
function text(value: FormBody[string]): string {
  if (Array.isArray(value)) return value[0] ?? '';
  return typeof value === 'string' ? value : '';
}

function list(value: FormBody[string]): string[] {
  if (Array.isArray(value)) return value;
  return typeof value === 'string' && value !== '' ? [value] : [];
}

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
    const typed = (q.q ?? '').trim();
    const match = typed !== '' ? await findPlace(db, typed, { page, limit: 25 }) : null;
    // A postcode or a code that names one place goes straight to it.
    if (match?.kind === 'postcode') return reply.redirect(`/places/area/${match.area.code}?${new URLSearchParams({ postcode: match.postcode })}`, 303);
    if (match?.kind === 'area') return reply.redirect(`/places/area/${match.area.code}`, 303);
    if (match?.kind === 'local-authority') return reply.redirect(`/places/la/${match.localAuthority.code}`, 303);
    const errors = match?.kind === 'invalid' ? [{ field: 'q', message: match.message }] : undefined;
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
    const pages = match?.kind === 'names' ? Math.max(1, Math.ceil(match.totalAreas / 25)) : 1;
    const link = (p: number) => `/places?${new URLSearchParams({ q: typed, page: String(p) })}`;
    return reply.page('places/views/index.njk', {
      query: q.q ?? '', match, errors, england, scotland, chart, datasets: await service.loadedDatasets(db),
      pagination: pages > 1 ? {
        previous: page > 1 ? { href: link(page - 1) } : undefined,
        next: page < pages ? { href: link(page + 1) } : undefined,
      } : null,
    }, { status: errors ? 400 : 200 });
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
    // Arrived from the finder with a postcode: say so, if the postcode really is in this area.
    const typed = (request.query as Query).postcode;
    const found = typed ? await findPlace(db, typed.slice(0, 20)) : null;
    const postcode = found?.kind === 'postcode' && found.area.code === view.area.code
      ? { postcode: found.postcode, terminated: found.terminated ? monthWords(found.terminated) : null }
      : null;
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
    return reply.page('places/views/area.njk', { ...view, chart, postcode });
  });

  app.get('/places/fairness', async (_request, reply) =>
    reply.page('places/views/fairness.njk', { values: {} }, { form: true }));

  app.post('/places/fairness', { config: { access: 'public' } }, async (request, reply) => {
    const body = (request.body ?? {}) as FormBody;
    const upload = uploadedText(body.file);
    const form = { csv: text(body.csv) };
    const field = upload !== null ? 'file' : 'csv';
    try {
      const parsed = await service.parseAmountsCsv(upload ?? form.csv, field);
      const { amounts, shared } = await areasForPlaces(db, parsed, field);
      const report = await service.fairnessReport(db, amounts);
      return reply.page('places/views/fairness.njk', {
        values: form, report, lines: parsed.length, shared, chart: fairnessChart(report, 'chart-fairness'),
        fromFile: upload !== null,
        rows: report.deciles.map((d) => ({ ...d, sharePct: percent(d.share), populationSharePct: percent(d.populationShare) })),
        bands: {
          d10: `${percent(report.mostDeprived10.share)} of the amount, ${percent(report.mostDeprived10.populationShare)} of the people`,
          d20: `${percent(report.mostDeprived20.share)} of the amount, ${percent(report.mostDeprived20.populationShare)} of the people`,
        },
        concentration: report.concentrationIndex.toFixed(3),
      }, { form: true });
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) {
        const errors = error.fieldErrors.map((e) => ({
          field,
          message: field === 'file' ? `The file: ${e.message.replace(/^Enter at least one line/, 'it needs at least one line')}` : e.message,
        }));
        return reply.page('places/views/fairness.njk', { values: form, errors }, { status: error.status, form: true });
      }
      throw error;
    }
  });

  app.get('/places/siting', async (request, reply) => {
    const q = request.query as Record<string, string | string[] | undefined>;
    const values = { places: text(q.places), codes: text(q.codes), la: text(q.la) };
    const las = (await service.listLocalAuthorities(db)).sort((a, b) => a.name.localeCompare(b.name));
    const laItems = [{ value: '', text: 'Choose a local authority' }, ...las.map((l) => ({ value: l.code, text: l.name, selected: l.code === values.la }))];
    const asked = values.places.trim() !== '' || values.codes.trim() !== '' || values.la !== '';
    if (!asked) return reply.page('places/views/siting.njk', { values, laItems });
    // Places are typed by name or postcode, one a line, and read by the place finder; a line of codes only
    // (and the `codes` parameter) is taken as small-area codes, for those who know them.
    const codes = service.parseCodes(values.codes);
    const lines = values.places.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
    if (lines.length > 200) return reply.page('places/views/siting.njk', { values, laItems, errors: [{ field: 'places', message: `Enter 200 places or fewer (you gave ${lines.length.toLocaleString('en-GB')}), or choose a local authority` }] }, { status: 400 });
    const errors: FieldError[] = [];
    const choices: { index: number; line: string; items: { value: string; text: string; checked: boolean }[] }[] = [];
    const read: { text: string; how: string }[] = [];
    for (const [i, line] of lines.entries()) {
      const tokens = line.split(/[\s,;]+/).filter((t) => t !== '');
      if (tokens.every((t) => /^[A-Za-z][0-9]{8}$/.test(t))) { codes.push(...service.parseCodes(line)); continue; }
      const chosen = list(q[`place${i}`]);
      const found = await areasOfPlace(db, line, chosen);
      if (found.kind === 'areas') { codes.push(...found.areas.map((a) => a.code)); read.push({ text: line, how: found.how }); }
      else if (found.kind === 'choose') {
        choices.push({ index: i, line, items: found.wards.map((w) => ({ value: w.code, text: `${w.name}${w.localAuthority ? `, ${w.localAuthority.name}` : ''} (${w.areas.length} small area${w.areas.length === 1 ? '' : 's'})`, checked: chosen.includes(w.code) })) });
        errors.push({ field: `place${i}`, message: found.message });
      } else errors.push({ field: 'places', message: `Line ${i + 1}: ${found.message}` });
    }
    if (errors.length) return reply.page('places/views/siting.njk', { values, laItems, errors, choices }, { status: 400 });
    const byPlaces = lines.length > 0 || values.codes.trim() !== '';
    try {
      const result = await service.siting(db, { codes: [...new Set(codes)], laCode: byPlaces ? undefined : values.la, limit: 50 });
      return reply.page('places/views/siting.njk', { values, laItems, result, read, choices });
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) {
        const fieldErrors = error.fieldErrors.map((e) => (e.field === 'codes' ? { field: 'places', message: e.message.replace('Enter at least one small-area code', 'Enter at least one place').replace('2,000 codes', '2,000 small areas') } : e));
        return reply.page('places/views/siting.njk', { values, laItems, errors: fieldErrors, choices }, { status: error.status });
      }
      throw error;
    }
  });

  app.get('/places/custom-index', async (_request, reply) =>
    reply.page('places/views/custom-index.njk', await customIndexForm(db, { transform: 'exponential' }), { form: true }));

  app.post('/places/custom-index', { config: { access: 'public' } }, async (request, reply) => {
    const body = (request.body ?? {}) as FormBody;
    const values: Required<CustomIndexValues> = {
      la: text(body.la).trim().toUpperCase(), domains: list(body.domains), transform: text(body.transform),
      ownName: text(body.ownName).trim(), ownDirection: text(body.ownDirection), ownWeight: text(body.ownWeight).trim(),
      weights: Object.fromEntries(IMD_DOMAINS.map((d) => [d, text(body[`weight-${d}`]).trim()])),
    };
    const upload = uploadedText(body.file);
    const errors: FieldError[] = [];
    const weightOf = (raw: string, field: string, what: string): number => {
      if (raw === '') return 1;
      const n = /^\d{1,6}(\.\d{1,6})?$/.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isFinite(n)) errors.push({ field, message: `Enter the weight for ${what} as a number, 0 or more, like 1 or 0.5` });
      return n;
    };
    if (values.la === '') errors.push({ field: 'la', message: 'Choose a local authority' });
    if (values.transform !== 'exponential' && values.transform !== 'normal') errors.push({ field: 'transform', message: 'Choose how ranks are turned into scores' });
    const domains = values.domains.filter((d): d is ImdDomain => (IMD_DOMAINS as readonly string[]).includes(d));
    if (domains.length !== values.domains.length) errors.push({ field: 'domains', message: 'Choose domains from the list' });
    if (domains.length === 0 && upload === null) errors.push({ field: 'domains', message: 'Choose at least one domain, or upload your own figures' });
    const indicators: service.CustomIndicatorInput[] = domains.map((d) => ({ id: IMD_DOMAIN_LABELS[d], domain: d, weight: weightOf(values.weights[d] ?? '', `weight-${d}`, IMD_DOMAIN_LABELS[d].toLowerCase()) }));
    if (upload !== null) {
      const id = values.ownName === '' ? 'Your figures' : values.ownName;
      if (id.length > 60) errors.push({ field: 'ownName', message: 'Name your figures in 60 characters or fewer' });
      else if (domains.some((d) => IMD_DOMAIN_LABELS[d] === id)) errors.push({ field: 'ownName', message: `Give your figures a name other than "${id}", which is a chosen domain` });
      if (values.ownDirection !== 'higher-is-worse' && values.ownDirection !== 'higher-is-better') errors.push({ field: 'ownDirection', message: 'Choose whether a higher value in your file is worse or better' });
      const weight = weightOf(values.ownWeight, 'ownWeight', 'your figures');
      try {
        const parsed = await service.parseValuesCsv(upload, 'file');
        indicators.push({ id, weight, values: parsed, direction: values.ownDirection === 'higher-is-better' ? 'higher-is-better' : 'higher-is-worse' });
      } catch (error) {
        if (!isAppError(error) || !error.fieldErrors.length) throw error;
        errors.push(...error.fieldErrors.map((e) => ({ field: 'file', message: `The file: ${e.message}` })));
      }
    } else if (values.ownWeight !== '' || values.ownDirection !== '' || values.ownName !== '') {
      errors.push({ field: 'file', message: 'Choose a CSV file of your figures, or leave the “your own figures” fields empty' });
    }
    const again = async (fieldErrors: FieldError[]) =>
      reply.page('places/views/custom-index.njk', { ...(await customIndexForm(db, values)), errors: fieldErrors }, { status: 400, form: true });
    const order = ['la', 'domains', ...IMD_DOMAINS.map((d) => `weight-${d}`), 'file', 'ownName', 'ownDirection', 'ownWeight', 'transform'];
    errors.sort((a, b) => order.indexOf(a.field) - order.indexOf(b.field)); // as the form lists them (stable)
    if (errors.length) return again(errors);
    try {
      const result = await service.buildCustomIndex(db, { indicators, transform: values.transform as 'exponential' | 'normal', missing: 'drop', laCode: values.la });
      const la = result.localAuthority!;
      const fixed = (n: number, dp = 2) => n.toLocaleString('en-GB', { minimumFractionDigits: dp, maximumFractionDigits: dp });
      const rows = result.rows.map((r) => ({
        areaCode: r.areaCode, name: la.names[r.areaCode] ?? r.areaCode, rank: r.rank, decile: r.decile, score: fixed(r.score),
        terms: r.breakdown.map((b) => ({
          indicator: b.indicatorId, value: b.value.toLocaleString('en-GB', { maximumFractionDigits: 10 }), rank: b.rank.toLocaleString('en-GB'),
          transformed: fixed(b.transformed), weight: `${fixed(b.weight * 100, 1)}%`, contribution: fixed(b.contribution),
        })),
      }));
      const notInFile = la.areas - result.rows.length - result.excluded.length;
      return reply.page('places/views/custom-index.njk', {
        ...(await customIndexForm(db, values)), result: { rows, la, excluded: result.excluded, notInFile, n: result.rows.length, transform: values.transform },
      }, { form: true });
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) {
        return again(error.fieldErrors.map((e) => ({ field: e.field === 'la' ? 'la' : e.field.startsWith('indicators/') && upload !== null ? 'file' : 'domains', message: e.message })));
      }
      throw error;
    }
  });
}

interface CustomIndexValues {
  la?: string;
  domains?: string[];
  transform?: string;
  ownName?: string;
  ownDirection?: string;
  ownWeight?: string;
  weights?: Record<string, string>;
}

/** What the custom-index form needs to show itself, filled in with what the person sent. */
async function customIndexForm(db: AppContext['db'], values: CustomIndexValues) {
  const las = (await service.listLocalAuthorities(db)).filter((l) => l.country === 'england').sort((a, b) => a.name.localeCompare(b.name));
  if (las.length === 0) throw new AppError('unavailable', 'The deprivation data is not loaded yet. Run `commonweal places import-iod2019` first.');
  const chosen = new Set(values.domains ?? []);
  return {
    values,
    laItems: [{ value: '', text: 'Choose a local authority' }, ...las.map((l) => ({ value: l.code, text: `${l.name} (${l.code})`, selected: l.code === values.la }))],
    domainItems: IMD_DOMAINS.map((d) => ({ value: d, text: IMD_DOMAIN_LABELS[d], checked: chosen.has(d) })),
    weightFields: IMD_DOMAINS.map((d) => ({ id: `weight-${d}`, label: IMD_DOMAIN_LABELS[d], value: values.weights?.[d] ?? '' })),
    transformItems: [
      { value: 'exponential', text: 'Exponential, as the IMD combines its domains', hint: { text: 'Being very deprived on one indicator is not cancelled out by doing well on another. The most deprived area on an indicator scores 100.' }, checked: values.transform !== 'normal' },
      { value: 'normal', text: 'Normal, as the IoD combines indicators within a domain', hint: { text: 'Indicators can offset one another. Scores are standard normal scores, the most deprived highest.' }, checked: values.transform === 'normal' },
    ],
    directionItems: [
      { value: 'higher-is-worse', text: 'A higher value is worse (for example, a higher rate of child poverty)', checked: values.ownDirection === 'higher-is-worse' },
      { value: 'higher-is-better', text: 'A higher value is better (for example, higher household income)', checked: values.ownDirection === 'higher-is-better' },
    ],
  };
}
