import type { App, AppContext } from '../platform/module.ts';
import { AppError, isAppError, type FieldError } from '../platform/errors.ts';
import { uploadedFilename, uploadLimitBytes } from '../platform/http.ts';
import { percent } from '../platform/charts.ts';
import { parseStatistic, parseTarget, readFunnelCsv, COLUMNS } from './scorecards.funnel-csv.ts';
import { SIGNIFICANCE_TEXT } from './scorecards.funnel.ts';
import { funnelChart } from './scorecards.chart.ts';
import { funnel, limitsFunction, type Statistic } from './scorecards.stats.ts';

/** The most units the funnel page draws (the command line takes a million). */
export const MAX_PAGE_ROWS = 5000;

const integer = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 });
const fixed = (v: number, digits: number) => v.toFixed(digits);

function formatter(statistic: Statistic): (v: number) => string {
  return statistic === 'proportion' ? (v) => percent(v, 1) : (v) => fixed(v, 2);
}

export function scorecardsPages(app: App, _ctx: AppContext): void {
  const view = 'scorecards/views/funnel.njk';
  const base = { formLimitMb: uploadLimitBytes / 1024 / 1024, maxRows: MAX_PAGE_ROWS.toLocaleString('en-GB') };

  // Anyone may draw a funnel plot of their own figures: the file is read, drawn and not kept.
  app.get('/scorecards/funnel', async (_request, reply) => reply.page(view, { ...base, values: { statistic: 'proportion' } }, { form: true }));

  app.post('/scorecards/funnel', { config: { access: 'public' } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
    const values = { statistic: text('statistic'), target: text('target') ?? '', overdispersion: text('overdispersion') === 'yes' };
    try {
      const errors: FieldError[] = [];
      let statistic: Statistic | undefined;
      let target: number | undefined;
      try {
        statistic = parseStatistic(values.statistic);
        target = parseTarget(values.target, statistic);
      } catch (error) {
        if (!isAppError(error)) throw error;
        errors.push(...error.fieldErrors);
      }
      if (!Buffer.isBuffer(body.file) || body.file.length === 0) errors.push({ field: 'file', message: 'Select the CSV file of units to compare' });
      if (errors.length || !statistic) throw AppError.validation(errors);
      let csv;
      try {
        csv = readFunnelCsv(body.file as Buffer, statistic, { maxRows: MAX_PAGE_ROWS, maxBytes: uploadLimitBytes });
      } catch (error) {
        if (!isAppError(error)) throw error;
        // Every problem in the file belongs to the file field: the summary lists them all, each naming its line.
        const list = error.fieldErrors.length ? error.fieldErrors : [{ field: 'file', message: error.message }];
        throw new AppError(error.code, error.message, { fieldErrors: list.map((e) => ({ field: 'file', message: e.message })) });
      }
      const f = funnel(csv.rows, { statistic, target, overdispersion: values.overdispersion });
      const format = formatter(statistic);
      const [numName, denName] = COLUMNS[statistic];
      const flagged = f.rows.filter((r) => r.significance !== 'as-expected').length;
      const chart = funnelChart({
        id: 'funnel-chart',
        title: `Funnel plot of ${f.rows.length} units against a target of ${format(f.target)}`,
        description: `Each unit's ${statistic === 'proportion' ? 'proportion' : 'ratio of observed to expected'} against its ${denName}, with 95% and 99.8% limits${f.tau2 ? ' widened for overdispersion' : ''}. The table below gives every figure.`,
        funnel: f,
        limitsAt: limitsFunction(statistic, f.target, f.tau2 ?? 0),
        format,
        xLabel: statistic === 'proportion' ? 'Denominator' : 'Expected',
        yLabel: statistic === 'proportion' ? 'Proportion' : 'Observed / expected',
      });
      const rows = f.rows.map((r) => [
        { text: r.unit },
        { text: integer.format(r.numerator), format: 'numeric' },
        { text: integer.format(r.denominator), format: 'numeric' },
        { text: format(r.value), format: 'numeric' },
        { text: `${format(r.lower95)} to ${format(r.upper95)}`, format: 'numeric' },
        { text: `${format(r.lower998)} to ${format(r.upper998)}`, format: 'numeric' },
        { text: SIGNIFICANCE_TEXT[r.significance] },
      ]);
      return reply.page(view, {
        ...base, values, filename: uploadedFilename(request), result: {
          statistic, numName, denName, units: f.rows.length, flagged, target: format(f.target), targetGiven: target !== undefined,
          phi: f.phi === null ? null : f.phi.toFixed(2), tau2: f.tau2 === null ? null : f.tau2.toPrecision(3), widened: (f.tau2 ?? 0) > 0,
          chart, rows,
        },
      }, { form: true });
    } catch (error) {
      if (isAppError(error) && error.fieldErrors.length) {
        return reply.page(view, { ...base, values, errors: error.fieldErrors }, { status: error.status, form: true });
      }
      throw error;
    }
  });
}
