import { it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { eachEngine } from './testing.ts';
import { parseInt8 } from './db.ts';
import { migrateToLatest } from './migrate.ts';
import { recordAudit } from './audit.repository.ts';
import { systemActor } from './actor.ts';

it('parseInt8 refuses values a JS number cannot hold exactly', () => {
  assert.equal(parseInt8('9007199254740991'), 9007199254740991);
  assert.equal(parseInt8('-42'), -42);
  assert.throws(() => parseInt8('9007199254740993'), /beyond the exact integer range/);
});

eachEngine('database', (t) => {
  it('returns bigint as an exact number and date as a plain YYYY-MM-DD string', async () => {
    const { ctx } = t();
    const r = await sql<{ n: number; d: string }>`select 123456789012::bigint as n, '2017-02-13'::date as d`.execute(ctx.db);
    assert.deepEqual(r.rows[0], { n: 123456789012, d: '2017-02-13' });
  });

  it('migrating again changes nothing', async () => {
    const { ctx } = t();
    assert.deepEqual(await migrateToLatest(ctx.db), { applied: [] });
  });

  it('refuses to update, delete or truncate the audit log, in the database itself', async () => {
    const { ctx } = t();
    await recordAudit(ctx.db, systemActor, { action: 'test.done', entityType: 'test', entityId: 'x', after: { password_hash: 'secret', ok: true } });
    const row = await ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'test.done').executeTakeFirstOrThrow();
    assert.deepEqual(row.after, { password_hash: '[redacted]', ok: true });
    // The trigger refuses it (PGlite, a superuser); on a server the app's role has not even the privilege.
    const refused = /append-only|permission denied for table audit_log/;
    await assert.rejects(sql`update audit_log set action = 'forged'`.execute(ctx.db), refused);
    await assert.rejects(sql`delete from audit_log`.execute(ctx.db), refused);
    await assert.rejects(sql`truncate audit_log`.execute(ctx.db), refused);
  });

  it('keeps concurrent transactions apart (PGlite is one connection, so they are serialised)', async () => {
    const { ctx } = t();
    // A counter in a table of the schema (the app's role may not create tables of its own).
    const { rows: [row] } = await sql<{ id: number }>`insert into outbox (to_address, subject, body_text, kind) values ('counter@example.org', 'counter', 'counter', 'test') returning id`.execute(ctx.db);
    // Twenty writers each read-modify-write inside a transaction, yielding in between: lost updates would
    // show as a total below 20 on an engine that interleaved them.
    await Promise.all(Array.from({ length: 20 }, () => ctx.db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ n: number }>`select attempts as n from outbox where id = ${row!.id} for update`.execute(trx);
      await new Promise((r) => setTimeout(r, 1));
      await sql`update outbox set attempts = ${rows[0]!.n + 1} where id = ${row!.id}`.execute(trx);
    })));
    const { rows } = await sql<{ n: number }>`select attempts as n from outbox where id = ${row!.id}`.execute(ctx.db);
    assert.equal(rows[0]!.n, 20);
  });

  it('rolls back everything when a transaction fails, audit row included', async () => {
    const { ctx } = t();
    const before = await ctx.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    await assert.rejects(ctx.db.transaction().execute(async (trx) => {
      await recordAudit(trx, systemActor, { action: 'test.rolled_back', entityType: 'test' });
      throw new Error('boom');
    }), /boom/);
    const afterCount = await ctx.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(afterCount.n), Number(before.n));
  });
}, { app: false });
