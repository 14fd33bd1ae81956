import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { isAppError } from '../platform/errors.ts';
import { seedOrganisations } from '../organisations/organisations.demo.ts';
import { getOrganisation } from '../organisations/organisations.service.ts';
import { importSpendFile } from './spend.import.ts';
import { createSpendDraft, discardSpendDraft, publishSpendDraft, withdrawSpendFile } from './spend.drafts.ts';
import * as repo from './spend.repository.ts';

// The pre-aggregated totals must always equal what the lines say. A checker rebuilds every standard view from
// the lines (the path any other filter takes) and compares it with the aggregate path, after each step of a
// random run of imports, replacements, same-bytes repeats and refused overlaps.

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SUPPLIERS = ['ACME LTD', 'Acme Limited', 'Byker Trust', 'Ouseburn Farm', 'Redacted', 'Mr J Smith', 'Tyne Builders Ltd', ''];
const DEPARTMENTS = ['Adults', 'Children', 'Place', ''];
const PURPOSES = ['Care', 'Grant', 'Stationery', ''];

function file(random: () => number, year: number, months: number[], lines: number, undated = false): string {
  let text = 'Date,Supplier Name,Department,Expense Type,Net Amount\n';
  for (let i = 0; i < lines; i++) {
    const month = months[Math.floor(random() * months.length)]!;
    const day = 1 + Math.floor(random() * 28);
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
    const pence = Math.floor(random() * 200_000) - 20_000;
    const amount = `${pence < 0 ? '-' : ''}${Math.floor(Math.abs(pence) / 100)}.${String(Math.abs(pence) % 100).padStart(2, '0')}`;
    const date = undated ? '' : `${String(day).padStart(2, '0')}/${String(month).padStart(2, '0')}/${year}`;
    text += `${date},${pick(SUPPLIERS)},${pick(DEPARTMENTS)},${pick(PURPOSES)},${amount}\n`;
  }
  return text;
}

async function check(db: Parameters<typeof repo.totals>[0], organisationId: string, step: string) {
  const filters: repo.LineFilters[] = [
    { organisationId },
    { organisationId, from: '2021-02-01', to: '2021-04-30' },
    { organisationId, from: '2021-01-01', to: '2021-12-31' },
    { organisationId, from: '2022-03-01', to: '2022-03-31' },
  ];
  for (const f of filters) {
    assert.ok(repo.aggregatable(f));
    const label = `${step}, ${f.from ?? 'all'}..${f.to ?? ''}`;
    assert.deepEqual(await repo.totals(db, f), await repo.totalsFromLines(db, f), `totals: ${label}`);
    for (const by of ['month', 'department', 'purpose', 'supplier'] as const) {
      const fast = await repo.groupTotals(db, f, by, 1000);
      const slow = await repo.groupTotalsFromLines(db, f, by, 1000);
      // A supplier's label is one of its published names; only the lines and pence must agree exactly.
      const strip = (r: { rows: repo.Total[]; groups: number }) => ({ groups: r.groups, rows: r.rows.map((x) => ({ ...x, label: by === 'supplier' ? null : x.label })) });
      assert.deepEqual(strip(fast), strip(slow), `${by}: ${label}`);
      const top = await repo.groupTotals(db, f, by, 3);
      assert.deepEqual(strip(top).rows, strip(slow).rows.slice(0, 3), `top 3 ${by}: ${label}`);
    }
    // A page of lines counts them from the totals when one department, expense type or supplier is the filter.
    for (const one of [{ supplierKey: 'acme ltd' }, { department: 'Adults' }, { department: '' }, { purpose: '' }, { supplierKey: 'no such supplier' }]) {
      const g = { ...f, ...one };
      const slow = await repo.totalsFromLines(db, g);
      assert.deepEqual(await repo.lineCount(db, g), { lines: slow.lines, pence: slow.pence }, `count ${JSON.stringify(one)}: ${label}`);
    }
  }
}

eachEngine('spend pre-aggregated totals', (t) => {
  it('equal the lines after every import, replacement, repeat and refusal of a random run', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    const org = (await getOrganisation(ctx.db, 'GB-LAE-NBL')).id;
    const other = (await getOrganisation(ctx.db, 'GB-LAE-NTY')).id;
    const random = prng(20261123);
    const publish = async (text: string, period?: string, publisher = 'GB-LAE-NBL') =>
      importSpendFile(ctx, cliActor, { publisher, source: { bytes: Buffer.from(text) }, period: period ?? null });

    const steps: [string, () => Promise<unknown>][] = [
      ['January', () => publish(file(random, 2021, [1], 300))],
      ['February', () => publish(file(random, 2021, [2], 250))],
      ['March', () => publish(file(random, 2021, [3], 200))],
      ['another publisher', () => publish(file(random, 2021, [2, 3], 200), undefined, 'GB-LAE-NTY')],
      ['February again, new version', () => publish(file(random, 2021, [2], 180))],
      ['quarter replacing three months', () => publish(file(random, 2021, [1, 2, 3], 500))],
      ['April to June', () => publish(file(random, 2021, [4, 5, 6], 400))],
      ['April to June withdrawn', async () => {
        const current = await repo.currentFilesOverlapping(ctx.db, org, '2021-04-01', '2021-06-30');
        await withdrawSpendFile(ctx, cliActor, 'GB-LAE-NBL', current[0]!.id, 'Sent twice');
      }],
      ['a draft, then discarded', async () => {
        const { draft } = await createSpendDraft(ctx, cliActor, { publisher: 'GB-LAE-NBL', source: { bytes: Buffer.from(file(random, 2021, [10], 90)) } });
        await discardSpendDraft(ctx, cliActor, draft.id);
      }],
      ['a draft for November, published', async () => {
        const { draft } = await createSpendDraft(ctx, cliActor, { publisher: 'GB-LAE-NBL', source: { bytes: Buffer.from(file(random, 2021, [11], 140)) } });
        await publishSpendDraft(ctx, cliActor, draft.id, draft.check.warnings.map((w) => w.code));
      }],
      ['undated lines with a period', () => publish(file(random, 2021, [7], 120, true), '2021-07..2021-09')],
      ['2022', () => publish(file(random, 2022, [1, 2, 3, 4], 300))],
      ['a half year over two quarters', () => publish(file(random, 2021, [1, 2, 3, 4, 5, 6], 600))],
    ];
    let lastBytes = '';
    for (const [name, step] of steps) {
      await step();
      await check(ctx.db, org, name);
      lastBytes = name;
    }
    // The same bytes again change nothing; a partial overlap is refused and changes nothing.
    const again = file(prng(7), 2022, [6], 50);
    await publish(again);
    await publish(again);
    await check(ctx.db, org, 'repeat');
    await assert.rejects(publish(file(random, 2021, [6, 7], 50)), (e: unknown) => isAppError(e) && e.fieldErrors[0]?.field === 'period');
    await check(ctx.db, org, `refused overlap after ${lastBytes}`);
    await check(ctx.db, other, 'the other publisher untouched');

    // Nothing left over: no group of zero lines, and the totals of every current file add up to the publisher's.
    const zero = await ctx.db.selectFrom('spend_totals').select('key').where('lines', '<=', 0).execute();
    assert.equal(zero.length, 0);
  });

  it('leave no totals behind when an import fails', async () => {
    const { ctx } = t();
    await seedOrganisations(ctx);
    const org = (await getOrganisation(ctx.db, 'GB-LAE-SND')).id;
    await assert.rejects(importSpendFile(ctx, cliActor, { publisher: 'GB-LAE-SND', source: { bytes: Buffer.from('Supplier,Amount\nA,1\n') } }));
    assert.equal((await ctx.db.selectFrom('spend_totals').select('key').where('organisation_id', '=', org).execute()).length, 0);
  });
});
