// Each story's first published answer and change counts, kept in voice_story_answers (migration 0051) at every
// write of an answer, so the scorecards' recompute (serviceVoiceRecordsByPeriod) needs no aggregate of all
// answers. Checked against the answers themselves: serviceVoiceRecords (which reads voice_responses) is the
// oracle, on a randomised data set with unpublished stories, pending, rejected and withdrawn answers, answers
// from two organisations to one story, stories about two services, and confirmed changes.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { eachEngine } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import * as service from './voice.service.ts';
import * as repo from './voice.repository.ts';
import { baseUrl, loadPlaces, voiceWorld } from './voice.test-support.ts';

const opts = { baseUrl };
const ratings = ['very-good', 'good', 'neither', 'poor', 'very-poor', 'dont-know', undefined];

eachEngine('each story’s first answer, kept for the scorecards', (t) => {
  it('gives the same figures as the answers themselves, by service and period, on a randomised data set', async () => {
    await loadPlaces(t().ctx);
    const w = await voiceWorld(t().ctx, 'answers');
    const { db } = t().ctx;
    let seed = 18;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const { homeCare, bins, libraries } = w.services;
    const serviceSets = [[homeCare.id], [bins.id], [libraries.id], [homeCare.id, libraries.id], [homeCare.id, bins.id]];
    const reason = Object.keys(service.responseRejectReasons)[0]!;
    const start = Date.now() - 40 * 86_400_000;
    const stories: { id: string; services: string[]; published: boolean }[] = [];
    for (let i = 0; i < 36; i++) {
      const services = pick(serviceSets);
      const s = await service.submitStory(db, cliActor, { title: `Answered ${i}`, body: `How it went, ${i}.`, pseudonym: `Teller ${i}`, email: `answers${i}@example.org`, services, rating: pick(ratings) }, opts);
      const fate = random();
      if (fate < 0.15) { stories.push({ id: s.id, services, published: false }); continue; } // left pending
      if (fate < 0.25) {
        await service.moderateStory(db, w.actors.moderator, s.id, { decision: 'reject', reason: 'personal-information' }, opts).catch(() => undefined);
        stories.push({ id: s.id, services, published: false });
        continue;
      }
      await service.moderateStory(db, w.actors.moderator, s.id, { decision: 'publish' }, opts);
      // Spread over 40 days, so the periods below split them.
      await repo.markExampleStory(db, s.id, { submittedAt: new Date(start + i * 86_400_000), publishedAt: new Date(start + i * 86_400_000 + 3_600_000) });
      stories.push({ id: s.id, services, published: true });
    }
    const staffOf = (serviceId: string) => (serviceId === libraries.id ? w.actors.gatesheadStaff : w.actors.newcastleStaff);
    const published = stories.filter((s) => s.published);
    let confirmedOne = false;
    for (const s of published) {
      for (const responder of new Set(s.services.map(staffOf))) {
        const answers = Math.floor(random() * 3); // 0, 1 or 2 answers from each organisation
        for (let k = 0; k < answers; k++) {
          const r = await service.respondToStory(db, responder, s.id, { body: `We have read this (${k}).`, claimsChange: random() < 0.4 ? 'yes' : undefined }, opts);
          const fate = random();
          if (r.status === 'pending') {
            if (fate < 0.2) continue; // an unpublished answer
            if (fate < 0.35) { await service.moderateResponse(db, w.actors.moderator, r.id, { decision: 'reject', reason }, opts); continue; }
            await service.moderateResponse(db, w.actors.moderator, r.id, { decision: 'publish' }, opts);
          }
          const story = await db.selectFrom('voice_stories').select('published_at').where('id', '=', s.id).executeTakeFirstOrThrow();
          await repo.setResponseTimes(db, r.id, { createdAt: story.published_at!, publishedAt: new Date(story.published_at!.getTime() + Math.floor(random() * 5000) * 60_000) });
          const row = (await repo.findResponse(db, r.id))!;
          if (row.claims_change && random() < 0.5) { await repo.updateResponse(db, row, { change_confirmed_at: new Date() }); confirmedOne = true; }
          else if (random() < 0.15) await repo.updateResponse(db, row, { status: 'rejected', reject_reason: reason }); // withdrawn after publication
        }
      }
    }
    // The data set has what it should: a story answered by two organisations, a withdrawn answer, a confirmed change.
    const counts = (await sql<{ two_orgs: string; withdrawn: string; pending: string }>`
      SELECT (SELECT count(*) FROM (SELECT story_id FROM voice_responses WHERE status = 'published' GROUP BY story_id HAVING count(DISTINCT organisation_id) > 1) x) AS two_orgs,
             (SELECT count(*) FROM voice_responses WHERE status = 'rejected' AND published_at IS NOT NULL) AS withdrawn,
             (SELECT count(*) FROM voice_responses WHERE status = 'pending') AS pending`.execute(db)).rows[0]!;
    assert.ok(Number(counts.two_orgs) > 0 && Number(counts.withdrawn) > 0 && Number(counts.pending) > 0 && confirmedOne, JSON.stringify(counts));

    // The kept rows are exactly the aggregate of the published answers (plain SQL).
    const kept = await sql`SELECT organisation_id, story_id, first_at, changes, confirmed FROM voice_story_answers ORDER BY 1, 2`.execute(db);
    const plain = await sql`SELECT organisation_id, story_id, min(published_at) AS first_at, count(*) FILTER (WHERE claims_change)::int AS changes,
                                   count(*) FILTER (WHERE change_confirmed_at IS NOT NULL)::int AS confirmed
                              FROM voice_responses WHERE status = 'published' GROUP BY 1, 2 ORDER BY 1, 2`.execute(db);
    assert.ok(kept.rows.length > 5);
    assert.deepEqual(kept.rows, plain.rows);

    // The recompute's statement against the per-service oracle, for three periods (one of them empty).
    const periods = [
      { name: 'early', from: new Date(start), to: new Date(start + 18 * 86_400_000) },
      { name: 'late', from: new Date(start + 18 * 86_400_000), to: new Date(Date.now() + 60_000) },
      { name: 'none', from: new Date(start - 20 * 86_400_000), to: new Date(start) },
    ];
    const byPeriod = await service.serviceVoiceRecordsByPeriod(db, periods);
    const ids = [homeCare.id, bins.id, libraries.id];
    let compared = 0;
    for (const p of periods) {
      const oracle = await service.serviceVoiceRecords(db, { serviceIds: ids, from: p.from, to: p.to });
      for (const o of oracle) {
        const got = byPeriod.find((r) => r.period === p.name && r.serviceId === o.serviceId);
        if (o.stories === 0) { assert.equal(got, undefined); continue; }
        const { organisationId: _o, period: _p, ...figures } = got!;
        assert.deepEqual(figures, o, `${p.name} ${o.serviceId}`);
        compared++;
      }
    }
    assert.ok(compared >= 5, `compared ${compared}`);
  });

  it('keeps the first answer right when two answers to one story are published at once', async () => {
    const w = await voiceWorld(t().ctx, 'answers-race');
    const { db } = t().ctx;
    const s = await service.submitStory(db, cliActor, { title: 'Raced', body: 'How it went.', pseudonym: 'Racer', email: 'racer@example.org', services: [w.services.homeCare.id] }, opts);
    await service.moderateStory(db, w.actors.moderator, s.id, { decision: 'publish' }, opts);
    const a = await service.respondToStory(db, w.actors.newcastleStaff, s.id, { body: 'First answer.', claimsChange: 'yes' }, opts);
    const b = await service.respondToStory(db, w.actors.newcastleStaff, s.id, { body: 'Second answer.', claimsChange: 'yes' }, opts);
    await Promise.all([a, b].map((r) => service.moderateResponse(db, w.actors.moderator, r.id, { decision: 'publish' }, opts)));
    const kept = await db.selectFrom('voice_story_answers').selectAll().where('story_id', '=', s.id).execute();
    const first = (await sql<{ first_at: Date }>`SELECT min(published_at) AS first_at FROM voice_responses WHERE story_id = ${s.id} AND status = 'published'`.execute(db)).rows[0]!.first_at;
    assert.deepEqual(kept.map((k) => [k.organisation_id, k.first_at, k.changes, k.confirmed]), [[w.newcastle.id, first, 2, 0]]);
    // Both counted (without the lock on the story, the second would rebuild from what it saw: one answer).
    // Withdrawn, both: no row, so the story counts as unanswered.
    for (const r of [a, b]) await repo.updateResponse(db, (await repo.findResponse(db, r.id))!, { status: 'rejected' });
    assert.equal((await db.selectFrom('voice_story_answers').selectAll().where('story_id', '=', s.id).execute()).length, 0);
  });
});
