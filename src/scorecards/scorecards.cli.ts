import { readFile, stat } from 'node:fs/promises';
import type { CliCommand } from '../platform/module.ts';
import { AppError } from '../platform/errors.ts';
import { csvTable } from '../platform/csv.ts';
import { MAX_FUNNEL_BYTES, parseStatistic, parseTarget, readFunnelCsv } from './scorecards.funnel-csv.ts';
import { funnelJson } from './scorecards.funnel.ts';
import { funnel } from './scorecards.stats.ts';
import { parsePeriod, recentPeriods } from './scorecards.periods.ts';
import { recomputeScorecards } from './scorecards.recompute.ts';
import { flagYears, recomputeFlags } from './scorecards.flags.ts';

async function readNamedFile(path: string): Promise<Buffer> {
  try {
    const info = await stat(path);
    if (info.size > MAX_FUNNEL_BYTES) throw new AppError('payload_too_large', `${path} is ${(info.size / 1048576).toFixed(1)} MB; a funnel file may be at most ${MAX_FUNNEL_BYTES / 1048576} MB.`);
    return await readFile(path);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw AppError.validation([{ field: 'file', message: `Cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` }]);
  }
}

export const scorecardsCommands: CliCommand[] = [
  {
    name: ['scorecards', 'funnel'],
    summary: 'Funnel-plot limits (95% and 99.8%) and each unit\'s significance for a CSV of proportions or ratios',
    usage: 'commonweal scorecards funnel FILE --statistic proportion|ratio [--overdispersion] [--target T] [--json]\n'
      + '  FILE has a header row: unit,numerator,denominator (proportion) or unit,observed,expected (ratio).\n'
      + '  The target defaults to the pooled value. --overdispersion widens the limits (Spiegelhalter 2005).\n'
      + '  Prints CSV, or with --json { "target", "rows": [{ "unit", "value", "lower95", "upper95", "lower998", "upper998", "significance" }] }.',
    options: { statistic: { type: 'string' }, target: { type: 'string' }, overdispersion: { type: 'boolean' } },
    needsDatabase: false,
    async run(_ctx, { values, positionals }) {
      if (positionals.length !== 1) throw AppError.validation([{ field: 'file', message: 'Name one CSV file: commonweal scorecards funnel FILE --statistic proportion|ratio' }]);
      const statistic = parseStatistic(values.statistic);
      const target = parseTarget(values.target as string | undefined, statistic);
      const csv = readFunnelCsv(await readNamedFile(positionals[0]!), statistic);
      const result = funnelJson(funnel(csv.rows, { statistic, target, overdispersion: values.overdispersion === true }));
      if (values.json) return result;
      // A reader that stops early (`| head`) closes the pipe: that is not an error.
      process.stdout.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EPIPE') process.exit(0);
        throw error;
      });
      process.stderr.write(`target ${result.target}\n`);
      process.stdout.write(csvTable(['unit', 'value', 'lower95', 'upper95', 'lower998', 'upper998', 'significance'], result.rows.map((r) => [r.unit, r.value, r.lower95, r.upper95, r.lower998, r.upper998, r.significance])));
      return undefined;
    },
  },
  {
    name: ['scorecards', 'recompute'],
    summary: 'Recompute the headline figures of every service\'s scorecard (the last six financial years, or one)',
    usage: 'commonweal scorecards recompute [--period 2024-25] [--json]\n'
      + '  Reads every service\'s stories, answers and ratings for each financial year and replaces the cached figures the list of scorecards shows.\n'
      + '  Then computes the worst-10% flags (calendar years: this one and the last, or the two the financial year spans) for the flags page.\n'
      + '  Run it nightly (cron) or after a bulk import; the scorecard pages themselves are computed on read.',
    options: { period: { type: 'string' } },
    async run(ctx, { values }) {
      const periods = values.period === undefined ? recentPeriods() : [parsePeriod(values.period)];
      const result = await recomputeScorecards(ctx.db, periods, (done, of) => { if (!values.json) process.stderr.write(`${done} of ${of} years\n`); });
      const flagged = await recomputeFlags(ctx.db, flagYears(values.period === undefined ? null : periods[0]!));
      if (values.json) return { ...result, flags: flagged };
      process.stdout.write(`Recomputed ${result.services.toLocaleString('en-GB')} services for ${result.periods.join(', ')}: ${result.rows.toLocaleString('en-GB')} rows (${result.written.toLocaleString('en-GB')} written) in ${result.ms.toLocaleString('en-GB')} ms\n`);
      process.stdout.write(`Worst-10% flags for ${flagged.periods.join(' and ')}: ${flagged.flags.toLocaleString('en-GB')} in ${flagged.ms.toLocaleString('en-GB')} ms\n`);
      return undefined;
    },
  },
];
