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
import { sql } from 'kysely';

const recipients = [['GB-CHC-1100100', 'A Charity'], ['GB-COH-200', 'A Company'], ['360G-t-group-1', 'A Group'], ['XI-PB-1', 'Elsewhere']] as const;
const TITLES = ['Community garden', 'Young people project', 'Gardens of heritage', 'Community project for young people', 'People in the park'];
const DESCRIPTIONS = ['For a project', 'Community work with young people', 'Heritage gardening', "The village's own hall"];
const grantsOf = (prefix: string, n: number, shift = 0) => Array.from({ length: n }, (_v, i) => {
  const [id, name] = recipients[i % recipients.length]!;
  const month = String(1 + ((i * 5 + shift) % 12)).padStart(2, '0');
  return grant(`360G-${prefix}-${i}`, {
    title: `${TITLES[(i + shift) % TITLES.length]} ${i}`, description: DESCRIPTIONS[i % DESCRIPTIONS.length],
    amountAwarded: i % 17 === 0 ? 0.5 + (i % 3) : 100 + i * 7 + shift + (i % 6 === 0 ? 0.37 : 0), currency: i % 9 === 0 ? 'USD' : 'GBP', awardDate: `${2019 + (i % 4)}-${month}-15`,
    recipientOrganization: [{ id, name }], ...(i % 5 === 0 ? { regrantType: i % 10 === 0 ? 'FRG010' : 'FRG020' } : {}),
    ...(i % 13 === 0 ? { recipientIndividual: { id: `360G-${prefix}-person-${i}`, name: 'A Person' }, recipientOrganization: undefined } : {}),
  });
});

async function same(ctx: AppContext, label: string, raw: Record<string, string>) {
  const read = await explore.readFilters(ctx.db, raw);
  assert.deepEqual(read.errors, [], label);
  // The page (newest first) is the page plain SQL gives over every current grant.
  const page = await repo.searchGrants(ctx.db, read.filters, { limit: 20, offset: 0 });
  assert.deepEqual(page.map((r) => r.grant_id), await plainPage(ctx, read.filters), `${label}: page`);
  const kept = await repo.searchTotals(ctx.db, read.filters);
  const summed = await repo.searchTotals(ctx.db, read.filters, { fromGrants: true });
  const norm = (rows: { currency: string; grants: number; total: string | number; first: string | null; last: string | null }[]) => rows.map((r) => ({ ...r, total: Number(r.total) }));
  assert.deepEqual(norm(kept), norm(summed), `${label}: totals`);
  assert.deepEqual(norm(kept), await plainTotals(ctx, read.filters), `${label}: totals against plain SQL`);
  const years = (rows: { year: number; currency: string; grants: number; total: string | number }[]) => rows.map((r) => ({ ...r, total: Number(r.total) }));
  assert.deepEqual(years(await repo.totalsByFinancialYear(ctx.db, read.filters)), years(await repo.totalsByFinancialYear(ctx.db, read.filters, { fromGrants: true })), `${label}: by year`);
  return summed;
}

/** The first page of a search by plain SQL over the grants, without the explorer's indexes or kept tables. */
async function plainPage(ctx: AppContext, f: repo.GrantFilters): Promise<string[]> {
  const c = [sql`is_current`];
  if (f.text) c.push(sql`search_vector @@ websearch_to_tsquery('english', ${f.text})`);
  if (f.publisherId) c.push(sql`organisation_id = ${f.publisherId}`);
  if (f.minPence !== undefined) c.push(sql`currency = 'GBP' AND amount_minor >= ${f.minPence}`);
  if (f.maxPence !== undefined) c.push(sql`currency = 'GBP' AND amount_minor <= ${f.maxPence}`);
  if (f.recipientKind) c.push(sql`recipient_kind = ${f.recipientKind}`);
  if (f.regrantType === 'any') c.push(sql`regrant_type IS NOT NULL`);
  else if (f.regrantType) c.push(sql`regrant_type = ${f.regrantType}`);
  if (f.from) c.push(sql`award_date >= ${f.from}::date`);
  if (f.to) c.push(sql`award_date <= ${f.to}::date`);
  const r = await sql<{ grant_id: string }>`SELECT grant_id FROM grants_grants WHERE ${sql.join(c, sql` AND `)} ORDER BY award_date DESC, grant_id, organisation_id LIMIT 20`.execute(ctx.db);
  return r.rows.map((x) => x.grant_id);
}

/** The totals of a search by plain SQL over the grants. */
async function plainTotals(ctx: AppContext, f: repo.GrantFilters) {
  const c = [sql`is_current`];
  if (f.text) c.push(sql`search_vector @@ websearch_to_tsquery('english', ${f.text})`);
  if (f.publisherId) c.push(sql`organisation_id = ${f.publisherId}`);
  if (f.minPence !== undefined) c.push(sql`currency = 'GBP' AND amount_minor >= ${f.minPence}`);
  if (f.maxPence !== undefined) c.push(sql`currency = 'GBP' AND amount_minor <= ${f.maxPence}`);
  if (f.recipientKind) c.push(sql`recipient_kind = ${f.recipientKind}`);
  if (f.regrantType === 'any') c.push(sql`regrant_type IS NOT NULL`);
  else if (f.regrantType) c.push(sql`regrant_type = ${f.regrantType}`);
  if (f.from) c.push(sql`award_date >= ${f.from}::date`);
  if (f.to) c.push(sql`award_date <= ${f.to}::date`);
  const r = await sql<{ currency: string; grants: number; total: string; first: string; last: string }>`SELECT currency, count(*)::int AS grants, sum(amount_minor) AS total,
    min(award_date)::text AS first, max(award_date)::text AS last FROM grants_grants WHERE ${sql.join(c, sql` AND `)} GROUP BY 1 ORDER BY 1`.execute(ctx.db);
  return r.rows.map((x) => ({ ...x, total: Number(x.total) }));
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
      ['not a whole year (from grants)', { from: '2020-05-01', to: '2021-03-31' }],
      // Words: one word (kept by word), and what still sums the grants (two words, a phrase, an exclusion, or).
      ['one word', { q: 'community' }], ['one word, stemmed', { q: 'Gardening' }], ['one word, a publisher', { q: 'heritage', publisher: a.id }],
      ['one word, an apostrophe', { q: "village's" }], ['a word no grant has', { q: 'zebra' }], ['only a stop word', { q: 'the' }],
      ['two words', { q: 'garden project' }], ['a phrase', { q: '"young people"' }], ['excluding', { q: 'community -project' }], ['or', { q: 'garden or park' }],
      ['words + kind + amount', { q: 'community', recipientType: 'charity', minAmount: '150' }], ['word + year', { q: 'people', financialYear: '2020' }],
      // Amount ranges (kept by band; the ends read from the grants): ends on and inside bands, one band, open ends.
      ['amounts on band edges', { minAmount: '200', maxAmount: '399.99' }], ['amounts inside bands', { minAmount: '123.45', maxAmount: '456.78' }],
      ['amounts in one band', { minAmount: '151', maxAmount: '158' }], ['amounts in adjacent bands', { minAmount: '155', maxAmount: '164' }],
      ['smallest amount only', { minAmount: '333' }], ['largest amount only', { maxAmount: '250.5' }], ['small amounts', { maxAmount: '1' }],
      ['an amount range with nothing in it', { minAmount: '100000' }], ['one exact amount', { minAmount: '107', maxAmount: '107' }],
      ['amount + publisher (from grants)', { minAmount: '200', publisher: b.id }],
    ];
    await service.importGrantsFile(ctx, cliActor, { publisher: a.id, source: { bytes: pkg(grantsOf('a', 60)) } });
    await service.importGrantsFile(ctx, cliActor, { publisher: b.id, source: { bytes: pkg(grantsOf('b', 45)) } });
    for (const [label, raw] of cases()) await same(ctx, label, raw);
    assert.equal((await same(ctx, 'everything', {})).reduce((n, r) => n + r.grants, 0), 105);
    // The kept tables are what a word and an amount range read: a figure planted in them shows in the totals.
    const words = await same(ctx, 'one word', { q: 'community' });
    assert.ok(words.reduce((n, r) => n + r.grants, 0) > 20, 'a common word matches many grants');
    await sql`UPDATE grants_word_totals SET grants = grants + 1000 WHERE lexeme = 'communiti' AND currency = 'GBP' AND organisation_id = ${a.id}::uuid`.execute(ctx.db);
    await sql`UPDATE grants_amount_totals SET grants = grants + 1000 WHERE currency = 'GBP' AND band_low = 25000 AND organisation_id = ${a.id}::uuid`.execute(ctx.db);
    const planted = async (raw: Record<string, string>) => (await repo.searchTotals(ctx.db, (await explore.readFilters(ctx.db, raw)).filters)).find((r) => r.currency === 'GBP')!.grants;
    assert.equal(await planted({ q: 'community' }), words.find((r) => r.currency === 'GBP')!.grants + 1000);
    assert.equal(await planted({ minAmount: '200', maxAmount: '399.99' }), (await plainTotals(ctx, { minPence: 20000, maxPence: 39999 }))[0]!.grants + 1000);
    await repo.refreshWordTotals(ctx.db, a.id);
    await repo.refreshAmountTotals(ctx.db, a.id);
    // A newer file replaces some of A's grants (new amounts and dates) and adds others.
    const second = await service.importGrantsFile(ctx, cliActor, { publisher: a.id, source: { bytes: pkg(grantsOf('a', 80, 3)) } });
    assert.equal(second.changes.new, 20);
    for (const [label, raw] of cases()) await same(ctx, `after a replacing file: ${label}`, raw);
    await service.withdrawGrantsFile(ctx, cliActor, a.id, second.fileId, 'Sent by mistake');
    for (const [label, raw] of cases()) await same(ctx, `after the withdrawal: ${label}`, raw);
    assert.equal((await same(ctx, 'everything', {})).reduce((n, r) => n + r.grants, 0), 105, 'the first file’s grants count again');
  });
});
