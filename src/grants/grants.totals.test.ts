// The explorer's kept totals (grants_explore_totals, 0044) give the same figures as summing the grants, for every
// filter they answer, after imports, a replacing file and a withdrawal, on both engines; and every kept table
// (areas, explorer, words, amounts), kept by difference at each import, publish and withdrawal, is what a full
// rebuild from the grants gives, after each step of a sequence of them (and two publishers importing at once).
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
import { KEPT_TABLES } from './grants.totals.repository.ts';
import { grantsCommands } from './grants.cli.ts';

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

/** A search's conditions in plain SQL over the grants, without the explorer's indexes or kept tables. */
function plainConditions(f: repo.GrantFilters) {
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
  return sql.join(c, sql` AND `);
}

/** The first page of a search by plain SQL over the grants. */
async function plainPage(ctx: AppContext, f: repo.GrantFilters): Promise<string[]> {
  const r = await sql<{ grant_id: string }>`SELECT grant_id FROM grants_grants WHERE ${plainConditions(f)} ORDER BY award_date DESC, grant_id, organisation_id LIMIT 20`.execute(ctx.db);
  return r.rows.map((x) => x.grant_id);
}

/** The totals of a search by plain SQL over the grants. */
async function plainTotals(ctx: AppContext, f: repo.GrantFilters) {
  const r = await sql<{ currency: string; grants: number; total: string; first: string; last: string }>`SELECT currency, count(*)::int AS grants, sum(amount_minor) AS total,
    min(award_date)::text AS first, max(award_date)::text AS last FROM grants_grants WHERE ${plainConditions(f)} GROUP BY 1 ORDER BY 1`.execute(ctx.db);
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

  /** A publisher's rows of every kept table, as text (jsonb of the row), in order. */
  async function keptRows(ctx: AppContext, org: string): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const table of KEPT_TABLES) {
      const r = await sql<{ row: string }>`SELECT to_jsonb(t)::text AS row FROM ${sql.table(table)} t WHERE t.organisation_id = ${org}::uuid ORDER BY 1`.execute(ctx.db);
      out[table] = r.rows.map((x) => x.row);
    }
    return out;
  }

  /** The kept rows of each publisher are what `grants totals rebuild` makes of its current grants. */
  async function sameAsRebuild(ctx: AppContext, label: string, orgs: string[]) {
    for (const org of orgs) {
      const kept = await keptRows(ctx, org);
      await service.rebuildGrantsTotals(ctx, cliActor, org);
      assert.deepEqual(kept, await keptRows(ctx, org), `${label}: kept by difference = rebuilt`);
    }
  }

  // Programmes and places vary too (the area totals are kept by programme and small area or precision).
  const varied = (prefix: string, n: number, shift = 0) => grantsOf(prefix, n, shift).map((g, i) => ({
    ...g, ...(i % 3 === 0 ? { grantProgramme: [{ title: (i + shift) % 2 ? 'Small grants' : 'Big grants' }] } : {}),
    ...(i % 4 === 1 ? { beneficiaryLocation: [{ name: 'A ward', geoCode: 'E05001234', geoCodeType: 'WD' }] } : i % 4 === 2 ? { beneficiaryLocation: [{ name: 'Newcastle 001B', geoCode: 'E01008301', geoCodeType: 'LSOA' }] } : {}),
  }));

  it('kept by difference are what a full rebuild gives, after a first file, a replacing file, the same bytes, a withdrawal and a published draft', async () => {
    const { ctx } = t();
    const c = await verifiedOrganisation(ctx.db, 'Totals Trust C', 'registered-charity');
    const d = await verifiedOrganisation(ctx.db, 'Totals Trust D', 'registered-charity');
    const orgs = [c.id, d.id];
    await service.importGrantsFile(ctx, cliActor, { publisher: c.id, source: { bytes: pkg(varied('c', 70)) } });
    await sameAsRebuild(ctx, 'a first file', orgs);
    const before = await keptRows(ctx, c.id);
    // Replaces most of C's grants (new amounts, dates, titles, programmes) and adds 30.
    const second = await service.importGrantsFile(ctx, cliActor, { publisher: c.id, source: { bytes: pkg(varied('c', 100, 5)) } });
    assert.equal(second.changes.new, 30);
    assert.ok(second.changes.changed > 50);
    // Some key lost the grant with its first award date and kept others: its date was read again, later.
    const firstOf = (rows: string[]) => new Map(rows.map((r) => { const o = JSON.parse(r) as { lexeme: string; currency: string; first_award: string }; return [`${o.lexeme}/${o.currency}`, o.first_award]; }));
    const was = firstOf(before.grants_word_totals!);
    const now = firstOf((await keptRows(ctx, c.id)).grants_word_totals!);
    assert.ok([...now].some(([k, first]) => was.has(k) && first > was.get(k)!), 'a word whose first grant moved later');
    await sameAsRebuild(ctx, 'a replacing file', orgs);
    const again = await service.importGrantsFile(ctx, cliActor, { publisher: c.id, source: { bytes: pkg(varied('c', 100, 5)) } });
    assert.equal(again.outcome, 'unchanged');
    await sameAsRebuild(ctx, 'the same bytes again', orgs);
    await service.withdrawGrantsFile(ctx, cliActor, c.id, second.fileId, 'Sent by mistake');
    await sameAsRebuild(ctx, 'a withdrawal', orgs);
    await service.importGrantsFile(ctx, cliActor, { publisher: d.id, source: { bytes: pkg(varied('d', 12)) } });
    await sameAsRebuild(ctx, 'a first file of another publisher', orgs);
    // D's first file (a publisher with no grants has its rows built, not differenced), then a draft of D's (some
    // of C's words, amounts and places) replacing it and adding more, then published; then a file that replaces
    // every grant of one key, so that key's row goes (its count reaches 0).
    const { draft } = await service.createGrantsDraft(ctx, cliActor, { publisher: d.id, source: { bytes: pkg(varied('d', 40, 2)) } });
    await sameAsRebuild(ctx, 'a draft (nothing counted yet)', orgs);
    await service.publishGrantsDraft(ctx, cliActor, draft.id);
    await sameAsRebuild(ctx, 'a published draft', orgs);
    const usd = await sql<{ n: number }>`SELECT count(*)::int AS n FROM grants_amount_totals WHERE organisation_id = ${d.id}::uuid AND currency = 'USD'`.execute(ctx.db);
    assert.ok(usd.rows[0]!.n > 0);
    await service.importGrantsFile(ctx, cliActor, { publisher: d.id, source: { bytes: pkg(varied('d', 40, 2).map((g) => ({ ...g, currency: 'GBP' }))) } });
    const gone = await sql<{ n: number }>`SELECT count(*)::int AS n FROM grants_amount_totals WHERE organisation_id = ${d.id}::uuid AND currency = 'USD'`.execute(ctx.db);
    assert.equal(gone.rows[0]!.n, 0, 'a key whose grants all left has no row');
    await sameAsRebuild(ctx, 'every grant of a currency replaced', orgs);
    for (const [label, raw] of [['everything', {}], ['a word', { q: 'community' }], ['amounts', { minAmount: '123.45', maxAmount: '456.78' }], ['a year', { financialYear: '2020' }]] as const) {
      await same(ctx, `after the sequence: ${label}`, raw);
    }
  });

  it('are kept by difference, not rebuilt: a row the grants of a file do not touch is left as it was, until `grants totals rebuild`', async () => {
    const { ctx } = t();
    const e = await verifiedOrganisation(ctx.db, 'Totals Trust E', 'registered-charity');
    await service.importGrantsFile(ctx, cliActor, { publisher: e.id, source: { bytes: pkg(varied('e', 30)) } });
    // A figure planted where the next file's grants have nothing to change (a word they lack).
    await sql`INSERT INTO grants_word_totals (organisation_id, lexeme, currency, grants, total, first_award, last_award) VALUES (${e.id}::uuid, 'planted', 'GBP', 7, 700, '2020-01-01', '2020-01-01')`.execute(ctx.db);
    await service.importGrantsFile(ctx, cliActor, { publisher: e.id, source: { bytes: pkg([grant('360G-e-extra', { title: 'Village hall roof', description: 'Roof repairs' })]) } });
    const planted = () => sql<{ grants: number }>`SELECT grants FROM grants_word_totals WHERE organisation_id = ${e.id}::uuid AND lexeme = 'planted'`.execute(ctx.db);
    assert.equal((await planted()).rows[0]?.grants, 7, 'an import changes only the keys of the grants it changes');
    const rebuild = grantsCommands.find((x) => x.name.join(' ') === 'grants totals rebuild')!;
    const out = (await rebuild.run(ctx, { values: { publisher: e.id }, positionals: [] } as never)) as { publishers: { id: string; rows: number }[] };
    assert.equal(out.publishers.length, 1);
    assert.equal(out.publishers[0]!.id, e.id);
    assert.equal((await planted()).rows.length, 0, 'the rebuild mends it');
    const audit = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log WHERE action = 'grants.totals.rebuilt' AND organisation_id = ${e.id}::uuid`.execute(ctx.db);
    assert.equal(audit.rows[0]!.n, 1);
    // Every publisher at once (no --publisher): each one's rows are its rebuild's.
    const all = (await rebuild.run(ctx, { values: {}, positionals: [] } as never)) as { publishers: { id: string }[] };
    assert.ok(all.publishers.some((p) => p.id === e.id) && all.publishers.length >= 2);
    await assert.rejects(rebuild.run(ctx, { values: { publisher: 'GB-CHC-NOSUCH' }, positionals: [] } as never), /No organisation/);
  });

  it('stay exact when two publishers import at once (same words, amounts and places; no deadlock), and refuse a kept table out of step', async () => {
    const { ctx } = t();
    const f = await verifiedOrganisation(ctx.db, 'Totals Trust F', 'registered-charity');
    const g = await verifiedOrganisation(ctx.db, 'Totals Trust G', 'registered-charity');
    await Promise.all([
      service.importGrantsFile(ctx, cliActor, { publisher: f.id, source: { bytes: pkg(varied('f', 50)) } }),
      service.importGrantsFile(ctx, cliActor, { publisher: g.id, source: { bytes: pkg(varied('g', 50)) } }),
    ]);
    await Promise.all([
      service.importGrantsFile(ctx, cliActor, { publisher: f.id, source: { bytes: pkg(varied('f', 60, 1)) } }),
      service.importGrantsFile(ctx, cliActor, { publisher: g.id, source: { bytes: pkg(varied('g', 60, 2)) } }),
      // Two files of one publisher at once are serialised by its lock: both apply, one after the other.
      service.importGrantsFile(ctx, cliActor, { publisher: f.id, source: { bytes: pkg(varied('f', 65, 4)) } }),
    ]);
    await sameAsRebuild(ctx, 'imports at once', [f.id, g.id]);
    // A kept row deleted by hand: the next file whose grants leave that key cannot subtract from it, and is
    // refused whole (nothing half-written) rather than keeping a wrong figure.
    const row = await sql<{ lexeme: string }>`SELECT lexeme FROM grants_word_totals WHERE organisation_id = ${f.id}::uuid AND lexeme = 'communiti' AND currency = 'GBP'`.execute(ctx.db);
    assert.equal(row.rows.length, 1);
    await sql`DELETE FROM grants_word_totals WHERE organisation_id = ${f.id}::uuid AND lexeme = 'communiti' AND currency = 'GBP'`.execute(ctx.db);
    const files = async () => (await sql<{ n: number }>`SELECT count(*)::int AS n FROM grants_files WHERE organisation_id = ${f.id}::uuid`.execute(ctx.db)).rows[0]!.n;
    const n = await files();
    const replacing = varied('f', 65, 4).map((x) => ({ ...x, title: 'Renamed', description: 'Renamed' }));
    await assert.rejects(service.importGrantsFile(ctx, cliActor, { publisher: f.id, source: { bytes: pkg(replacing) } }));
    assert.equal(await files(), n, 'nothing written');
    await service.rebuildGrantsTotals(ctx, cliActor, f.id);
    await service.importGrantsFile(ctx, cliActor, { publisher: f.id, source: { bytes: pkg(replacing) } });
    await sameAsRebuild(ctx, 'after the rebuild and the file', [f.id, g.id]);
  });
});
