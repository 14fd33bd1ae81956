// Storing a file as a stream through the staging table, on both engines: the same summary and grants as the
// whole-file reader; the comparison with the current grants done in SQL (new, changed with their fields,
// unchanged, not in the file); the same bytes again answered from the file's row; a file broken after many
// grants, or with none that can be read, leaves nothing behind; a withdrawal after a replacement restores it;
// the area totals the fairness lens reads stay in step with the current grants through all of it.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { eachEngine, userWithToken } from '../platform/testing.ts';
import { cliActor, type Actor } from '../platform/actor.ts';
import { isAppError } from '../platform/errors.ts';
import { addMember } from '../organisations/organisations.service.ts';
import { verifiedOrganisation } from '../organisations/organisations.test-support.ts';
import type { AppContext } from '../platform/module.ts';
import { readGrantsFile } from './grants.read.ts';
import * as service from './grants.service.ts';
import { dataset, pkg, grant } from './grants.test-support.ts';


let n = 0;
async function funder(ctx: AppContext) {
  n++;
  const org = await verifiedOrganisation(ctx.db, `Stream Trust ${n} ${Date.now()}`, 'registered-charity');
  const { user } = await userWithToken(ctx.db, `grants-stream-${n}-${Date.now()}@example.org`);
  await addMember(ctx.db, cliActor, org.id, { email: user.email, role: 'staff' });
  const actor: Actor = { userId: user.id, tokenId: null, isAdmin: false, via: 'session' };
  return { org, actor };
}

async function current(ctx: AppContext, org: string) {
  const { rows } = await sql<{ grant_id: string; version: number; amount_minor: string; title: string }>`
    SELECT grant_id, version, amount_minor::text, title FROM grants_grants WHERE organisation_id = ${org}::uuid AND is_current ORDER BY grant_id`.execute(ctx.db);
  return rows.map((r) => `${r.grant_id} v${r.version} ${r.amount_minor} ${r.title}`);
}

async function total(ctx: AppContext) {
  const { rows } = await sql<{ files: number; grants: number }>`SELECT (SELECT count(*)::int FROM grants_files) AS files, (SELECT count(*)::int FROM grants_grants) AS grants`.execute(ctx.db);
  return rows[0]!;
}

/** The area totals the fairness lens reads agree with the publisher's current grants, summed afresh. */
async function areaTotalsInStep(ctx: AppContext, org: string) {
  const kept = await sql<{ k: string }>`SELECT scope || '|' || programme || '|' || small_area_code || '|' || location_precision || '|' || currency || '|' || grants || '|' || total::text AS k
    FROM grants_area_totals WHERE organisation_id = ${org}::uuid ORDER BY 1`.execute(ctx.db);
  const fresh = await sql<{ k: string }>`SELECT s || '|' || p || '|' || coalesce(small_area_code, '') || '|' || CASE WHEN small_area_code IS NULL THEN coalesce(location_precision, '') ELSE '' END
      || '|' || currency || '|' || count(*) || '|' || sum(amount_minor)::text AS k
    FROM (SELECT 'publisher' AS s, '' AS p, * FROM grants_grants UNION ALL SELECT 'programme', programme, * FROM grants_grants WHERE programme IS NOT NULL) g
   WHERE organisation_id = ${org}::uuid AND is_current GROUP BY s, p, small_area_code, CASE WHEN small_area_code IS NULL THEN coalesce(location_precision, '') ELSE '' END, currency ORDER BY 1`.execute(ctx.db);
  assert.deepEqual(kept.rows.map((r) => r.k), fresh.rows.map((r) => r.k));
  return kept.rows.length;
}

eachEngine('grants: storing a file as a stream through a staging table', (t) => {
  it('stores a gzipped package from a path with the whole-file reader’s summary; the same bytes again are answered from the file’s row', async () => {
    const { ctx } = t();
    const { org, actor } = await funder(ctx);
    const dir = mkdtempSync(join(tmpdir(), 'cw-grants-store-'));
    try {
      const bytes = dataset('community-foundations-regrants.json');
      const path = join(dir, 'community.json.gz');
      writeFileSync(path, gzipSync(bytes));
      const whole = service.summarise(readGrantsFile(gzipSync(bytes)));
      const r = await service.importGrantsFile(ctx, actor, { publisher: org.id, source: { path } });
      assert.equal(r.outcome, 'imported');
      const { sha256: _a, rejected: _b, problems: _c, ...figures } = r as unknown as Record<string, unknown>;
      for (const key of ['grantsImported', 'grantsRejected', 'gbpTotalPence', 'otherCurrencies', 'funders', 'recipients', 'firstAwardDate', 'lastAwardDate', 'problemCounts', 'format'] as const) {
        assert.deepEqual(figures[key], whole[key], key);
      }
      assert.deepEqual(r.problems, whole.problems);
      assert.deepEqual(r.changes, { new: whole.grantsImported, changed: 0, unchanged: 0 });
      assert.equal((await current(ctx, org.id)).length, whole.grantsImported);
      const again = await service.importGrantsFile(ctx, actor, { publisher: org.id, source: { path } });
      assert.equal(again.outcome, 'unchanged');
      assert.equal(again.fileId, r.fileId);
      assert.equal(again.recipients, whole.recipients);
      assert.deepEqual(again.problemCounts, whole.problemCounts);
      // The places were resolved as the batches went by.
      assert.ok(await areaTotalsInStep(ctx, org.id) > 1);
      const located = await sql<{ n: number }>`SELECT count(*)::int AS n FROM grants_grants WHERE organisation_id = ${org.id}::uuid AND small_area_code IS NOT NULL`.execute(ctx.db);
      assert.ok(located.rows[0]!.n > 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('compares in SQL: new, changed (with fields), unchanged whatever the key order, and the current grants not in the file; versions go on after a withdrawal', async () => {
    const { ctx } = t();
    const { org, actor } = await funder(ctx);
    const first = await service.importGrantsFile(ctx, actor, { publisher: org.id, source: { bytes: pkg([grant('a'), grant('b'), grant('k', { grantProgramme: [{ code: 'P1', title: 'Small grants' }] }), grant('z', { beneficiaryLocation: [] })]) } });
    assert.deepEqual(first.changes, { new: 4, changed: 0, unchanged: 0 });
    // b with its keys in another order and its amount spelt 1000.0 is the same grant.
    const reordered = Buffer.from(JSON.stringify({ grants: [grant('a', { amountAwarded: 2500, title: 'A bigger grant' }), grant('c')] }).replace('{"grants":[', `{"grants":[${JSON.stringify(Object.fromEntries(Object.entries(grant('b')).reverse())).replace('"amountAwarded":1000', '"amountAwarded":1000.0')},`));
    const second = await service.importGrantsFile(ctx, actor, { publisher: org.id, source: { bytes: reordered } });
    assert.deepEqual(second.changes, { new: 1, changed: 1, unchanged: 1 });
    const file = await service.getGrantsFile(ctx.db, org.id, second.fileId);
    assert.deepEqual(file.difference, {
      added: { count: 1, ids: ['c'] }, changed: { count: 1, grants: [{ id: 'a', fields: ['amountAwarded', 'title'] }] }, unchanged: { count: 1 }, notInFile: { count: 2, ids: ['k', 'z'] },
    });
    assert.deepEqual(await current(ctx, org.id), ['a v2 250000 A bigger grant', 'b v1 100000 Grant b', 'c v1 100000 Grant c', 'k v1 100000 Grant k', 'z v1 100000 Grant z']);
    assert.ok(await areaTotalsInStep(ctx, org.id) > 0);
    const w = await service.withdrawGrantsFile(ctx, actor, org.id, second.fileId, 'Sent by mistake');
    assert.deepEqual([w.grantsWithdrawn, w.grantsRestored], [2, 1]);
    assert.deepEqual(await current(ctx, org.id), ['a v1 100000 Grant a', 'b v1 100000 Grant b', 'k v1 100000 Grant k', 'z v1 100000 Grant z']);
    await areaTotalsInStep(ctx, org.id);
    // The withdrawn file's a (v2) keeps its number: the next a is v3, and c (withdrawn v1) comes back as v2.
    const third = await service.importGrantsFile(ctx, actor, { publisher: org.id, source: { bytes: pkg([grant('a', { amountAwarded: 3000 }), grant('c')]) } });
    assert.deepEqual(third.changes, { new: 1, changed: 1, unchanged: 0 });
    assert.deepEqual(await current(ctx, org.id), ['a v3 300000 Grant a', 'b v1 100000 Grant b', 'c v2 100000 Grant c', 'k v1 100000 Grant k', 'z v1 100000 Grant z']);
    await areaTotalsInStep(ctx, org.id);
  });

  it('leaves nothing behind when the file breaks after thousands of grants, or holds none that can be read', async () => {
    const { ctx } = t();
    const { org, actor } = await funder(ctx);
    await service.importGrantsFile(ctx, actor, { publisher: org.id, source: { bytes: pkg([grant('kept')]) } });
    const before = await total(ctx);
    const many = pkg(Array.from({ length: 5000 }, (_v, i) => grant(`g-${i}`)));
    const broken = Buffer.concat([many.subarray(0, many.length - 2), Buffer.from(', {"id": nope}]}')]);
    await assert.rejects(service.importGrantsFile(ctx, actor, { publisher: org.id, source: { bytes: broken } }), (e: unknown) => isAppError(e) && /not JSON/.test(e.fieldErrors[0]!.message));
    const dup = pkg([...Array.from({ length: 4500 }, (_v, i) => grant(`h-${i}`)), 'not a grant']);
    await assert.rejects(service.importGrantsFile(ctx, actor, { publisher: org.id, source: { bytes: pkg(['x', 1]) } }), (e: unknown) => isAppError(e) && /No grant in the file can be read/.test(e.fieldErrors[0]!.message));
    assert.deepEqual(await total(ctx), before, 'nothing half-written');
    await areaTotalsInStep(ctx, org.id);
    assert.deepEqual(await current(ctx, org.id), ['kept v1 100000 Grant kept']);
    // And a file that is fine after all is stored whole, its unreadable element reported by index.
    const ok = await service.importGrantsFile(ctx, actor, { publisher: org.id, source: { bytes: dup } });
    assert.equal(ok.grantsImported, 4500);
    assert.deepEqual(ok.rejected, [{ index: 4500, id: null, reason: 'The grant is not an object' }]);
    assert.equal((await current(ctx, org.id)).length, 4501);
  });
});
