// The explorer's kept totals (grants_explore_totals, 0044) give the same figures as summing the grants, for every
// filter they answer, after imports, a replacing file and a withdrawal, on both engines.
import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { verifiedOrganisation } from '../organisations/organisations.test-support.ts';
import type { AppContext } from '../platform/module.ts';
import * as service from './grants.service.ts';
import * as explore from './grants.explore.ts';
import * as repo from './grants.search.repository.ts';
import { grant, pkg } from './grants.test-support.ts';

const recipients = [['GB-CHC-1100100', 'A Charity'], ['GB-COH-200', 'A Company'], ['360G-t-group-1', 'A Group'], ['XI-PB-1', 'Elsewhere']] as const;
const grantsOf = (prefix: string, n: number, shift = 0) => Array.from({ length: n }, (_v, i) => {
  const [id, name] = recipients[i % recipients.length]!;
  const month = String(1 + ((i * 5 + shift) % 12)).padStart(2, '0');
  return grant(`360G-${prefix}-${i}`, {
    amountAwarded: 100 + i * 7 + shift, currency: i % 9 === 0 ? 'USD' : 'GBP', awardDate: `${2019 + (i % 4)}-${month}-15`,
    recipientOrganization: [{ id, name }], ...(i % 5 === 0 ? { regrantType: i % 10 === 0 ? 'FRG010' : 'FRG020' } : {}),
    ...(i % 13 === 0 ? { recipientIndividual: { id: `360G-${prefix}-person-${i}`, name: 'A Person' }, recipientOrganization: undefined } : {}),
  });
});

async function same(ctx: AppContext, label: string, raw: Record<string, string>) {
  const read = await explore.readFilters(ctx.db, raw);
  assert.deepEqual(read.errors, [], label);
  const kept = await repo.searchTotals(ctx.db, read.filters);
  const summed = await repo.searchTotals(ctx.db, read.filters, { fromGrants: true });
  const norm = (rows: { currency: string; grants: number; total: string | number; first: string | null; last: string | null }[]) => rows.map((r) => ({ ...r, total: Number(r.total) }));
  assert.deepEqual(norm(kept), norm(summed), `${label}: totals`);
  const years = (rows: { year: number; currency: string; grants: number; total: string | number }[]) => rows.map((r) => ({ ...r, total: Number(r.total) }));
  assert.deepEqual(years(await repo.totalsByFinancialYear(ctx.db, read.filters)), years(await repo.totalsByFinancialYear(ctx.db, read.filters, { fromGrants: true })), `${label}: by year`);
  return summed;
}

eachEngine('grants explorer: kept totals', (t) => {
  let a: Awaited<ReturnType<typeof verifiedOrganisation>>;
  let b: Awaited<ReturnType<typeof verifiedOrganisation>>;
  before(async () => {
    const { ctx } = t();
    a = await verifiedOrganisation(ctx.db, 'Totals Trust A', 'registered-charity');
    b = await verifiedOrganisation(ctx.db, 'Totals Trust B', 'registered-charity');
  });

  it('match the sums of the grants for every filter they answer, through imports, a replacing file and a withdrawal', async () => {
    const { ctx } = t();
    const cases = (): [string, Record<string, string>][] => [
      ['everything', {}], ['publisher', { publisher: a.id }], ['charities', { recipientType: 'charity' }], ['groups', { recipientType: 'unregistered' }],
      ['individuals', { recipientType: 'individual' }], ['any regrant', { regrantType: 'any' }], ['FRG020', { regrantType: 'FRG020' }],
      ['a year', { financialYear: '2020' }], ['year and kind and publisher', { financialYear: '2019', recipientType: 'company', publisher: b.id }],
      ['not a whole year (from grants)', { from: '2020-05-01', to: '2021-03-31' }], ['words (from grants)', { q: 'grant' }],
    ];
    await service.importGrantsFile(ctx, cliActor, { publisher: a.id, source: { bytes: pkg(grantsOf('a', 60)) } });
    await service.importGrantsFile(ctx, cliActor, { publisher: b.id, source: { bytes: pkg(grantsOf('b', 45)) } });
    for (const [label, raw] of cases()) await same(ctx, label, raw);
    assert.equal((await same(ctx, 'everything', {})).reduce((n, r) => n + r.grants, 0), 105);
    // A newer file replaces some of A's grants (new amounts and dates) and adds others.
    const second = await service.importGrantsFile(ctx, cliActor, { publisher: a.id, source: { bytes: pkg(grantsOf('a', 80, 3)) } });
    assert.equal(second.changes.new, 20);
    for (const [label, raw] of cases()) await same(ctx, `after a replacing file: ${label}`, raw);
    await service.withdrawGrantsFile(ctx, cliActor, a.id, second.fileId, 'Sent by mistake');
    for (const [label, raw] of cases()) await same(ctx, `after the withdrawal: ${label}`, raw);
    assert.equal((await same(ctx, 'everything', {})).reduce((n, r) => n + r.grants, 0), 105, 'the first file’s grants count again');
  });
});
