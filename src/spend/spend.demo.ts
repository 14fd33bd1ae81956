import { fileURLToPath } from 'node:url';
import type { AppContext } from '../platform/module.ts';
import { systemActor } from '../platform/actor.ts';
import { findOrganisation } from '../organisations/organisations.service.ts';
import { readFileSync } from 'node:fs';
import { importSpendFile } from './spend.import.ts';
import { importSalaryCsv, publisherSalaries, setPayMultiple } from './spend.salaries.ts';

/** The seven real council files in datasets/spend/, with their publishers (registered by the organisations demo). */
export const demoSpendFiles: { file: string; publisher: string; period?: string }[] = [
  { file: 'darlington-2010-10.csv', publisher: 'GB-LAE-DAL', period: '2010-10..2010-12' },
  { file: 'newcastle-2017-02.csv', publisher: 'GB-LAE-NET' },
  { file: 'northtyneside-2014-05.csv', publisher: 'GB-LAE-NTY' },
  { file: 'calderdale-2015-06.csv', publisher: 'GB-LAE-CLD' },
  { file: 'leeds-2011-04.csv', publisher: 'GB-LAE-LDS' },
  { file: 'gateshead-2011-02.csv', publisher: 'GB-LAE-GAT' },
  { file: 'oxford-2017-q1.csv', publisher: 'GB-LAE-OXO' },
];

/** Imports the demo files; a file already imported (same bytes) is skipped after hashing it. */
export async function seedSpend(ctx: AppContext): Promise<number> {
  let imported = 0;
  for (const demo of demoSpendFiles) {
    if (!(await findOrganisation(ctx.db, demo.publisher))) continue;
    const path = fileURLToPath(new URL(`../../datasets/spend/${demo.file}`, import.meta.url));
    const result = await importSpendFile(ctx, systemActor, { publisher: demo.publisher, source: { path }, filename: demo.file, period: demo.period ?? null });
    if (result.outcome !== 'unchanged') imported++;
  }
  return imported;
}

/** The date of the invented senior salaries list (an example, labelled as such on every post). */
export const demoSalariesAsAt = '2017-03-31';

/** Publishes the example senior salaries for Newcastle once; a list already there is left alone. */
export async function seedSalaries(ctx: AppContext): Promise<boolean> {
  if (!(await findOrganisation(ctx.db, 'GB-LAE-NET'))) return false;
  if ((await publisherSalaries(ctx.db, 'GB-LAE-NET')).dates.length > 0) return false;
  const bytes = readFileSync(new URL('../../datasets/spend/examples/newcastle-senior-salaries-example.csv', import.meta.url));
  await importSalaryCsv(ctx.db, systemActor, 'GB-LAE-NET', { bytes, asAt: demoSalariesAsAt });
  // Example figures, not Newcastle's: the highest paid's earnings and an invented workforce median.
  await setPayMultiple(ctx.db, systemActor, 'GB-LAE-NET', { asAt: demoSalariesAsAt, highest: '182,500', median: '24,313' });
  return true;
}
