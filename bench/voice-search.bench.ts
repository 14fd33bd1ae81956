// Voice at scale, on PGlite (in memory) and, when DATABASE_URL is set, on PostgreSQL: 20,000 published stories
// (with responses, tags and services) and one petition with 100,000 confirmed signatures, written in bulk SQL.
// Measures the reads people wait for — full-text search, filters, a feed, an organisation's metrics, a
// petition's counts by local authority — and the cost of confirming one more signature on a big petition
// (each confirmation counts the petition's signatures, under a lock, to cross thresholds exactly once).
// Targets: a search or feed under 200 ms; a confirmation under 100 ms at 100,000 signatures.
// Run: [DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres] node --import tsx bench/voice-search.bench.ts [stories] [signatures]
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { loadConfig } from '../src/platform/config.ts';
import { createContext, createLogger } from '../src/app.ts';
import { openTestDatabase } from '../src/platform/testing.ts';
import { anonymous, cliActor } from '../src/platform/actor.ts';
import { listOutbox } from '../src/platform/outbox.repository.ts';
import type { Engine } from '../src/platform/db.ts';
import * as service from '../src/voice/voice.service.ts';
import * as petitions from '../src/voice/voice.petitions.ts';
import { loadPlaces, NEWCASTLE, GATESHEAD, voiceWorld } from '../src/voice/voice.test-support.ts';

const storyCount = Number(process.argv[2] ?? 20_000);
const signatureCount = Number(process.argv[3] ?? 100_000);
const engines: Engine[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
const words = ['carer', 'late', 'appointment', 'letter', 'bins', 'recycling', 'library', 'kind', 'rude', 'waiting', 'phone', 'nurse', 'doctor', 'council', 'housing', 'repair', 'damp', 'bus', 'pass', 'school', 'meal', 'visit', 'forms', 'benefit', 'advice'];

async function timed<T>(label: string, runs: number, fn: () => Promise<T>): Promise<{ label: string; median: number; worst: number }> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { label, median: times[Math.floor(times.length / 2)]!, worst: times[times.length - 1]! };
}

for (const engine of engines) {
  const handle = await openTestDatabase(engine);
  const ctx = await createContext({ ...loadConfig({ NODE_ENV: 'production' }), dataDir: 'unused' }, createLogger({ logLevel: 'warn' }), handle);
  const { db } = ctx;
  await loadPlaces(ctx);
  const w = await voiceWorld(ctx, 'bench');
  const svc = [w.services.homeCare, w.services.bins, w.services.libraries];

  let t0 = performance.now();
  // Stories: pseudo-random text from a small vocabulary, so common words match thousands and rare ones few.
  await sql`INSERT INTO voice_stories (id, title, body, pseudonym, author_email, status, published_at, submitted_at)
    SELECT gen_random_uuid(), 'Story ' || g, (SELECT string_agg((${sql.val(words)}::text[])[1 + abs(hashtext(g || '-' || k)) % ${words.length}], ' ') FROM generate_series(1, 12) k) || ' number' || g,
           'Person ' || g, 'p' || g || '@example.org', 'published', now() - (g || ' minutes')::interval, now() - (g || ' minutes')::interval
      FROM generate_series(1, ${storyCount}) g`.execute(db);
  await sql`INSERT INTO voice_story_services (organisation_id, service_id, story_id)
    SELECT s.organisation_id, s.id, st.id FROM (SELECT id, row_number() OVER () AS n FROM voice_stories) st
      JOIN (SELECT organisation_id, id, row_number() OVER (ORDER BY name) - 1 AS k FROM voice_services) s ON s.k = st.n % 3`.execute(db);
  await sql`INSERT INTO voice_story_tags (story_id, tag) SELECT id, (ARRAY['access','communication','praise','waiting'])[1 + (abs(hashtext(id::text)) % 4)] FROM voice_stories`.execute(db);
  await sql`INSERT INTO voice_responses (organisation_id, story_id, responder_name, body, status, published_at, created_at)
    SELECT ss.organisation_id, ss.story_id, 'Staff', 'Thank you, we are looking into this.', 'published', st.published_at + interval '2 days', st.published_at + interval '2 days'
      FROM voice_story_services ss JOIN voice_stories st ON st.id = ss.story_id WHERE abs(hashtext(st.id::text)) % 3 <> 0`.execute(db);
  await sql`ANALYZE`.execute(db);
  const storiesMs = performance.now() - t0;

  // One open petition with many confirmed signatures.
  await petitions.setPetitionSettings(db, cliActor, w.newcastle.id, { requiredSupporters: '0', responseThreshold: String(signatureCount * 2), debateThreshold: String(signatureCount * 4) });
  const p = await petitions.createPetition(db, w.actors.outsider, { organisation: w.newcastle.id, title: 'Bench petition', background: 'Load.' });
  await petitions.moderatePetition(db, w.actors.moderator, p.id, { decision: 'open' });
  t0 = performance.now();
  await sql`INSERT INTO voice_signatures (organisation_id, petition_id, name, email, canonical_email, postcode, la_code, token_hash, confirmed_at)
    SELECT ${p.organisationId}, ${p.id}, 'Signer ' || g, 's' || g || '@example.org', 's' || g || '@example.org', 'NE1 4ST',
           CASE WHEN g % 3 = 0 THEN ${GATESHEAD} ELSE ${NEWCASTLE} END, md5(g::text || ${randomBytes(8).toString('hex')}), now()
      FROM generate_series(1, ${signatureCount}) g`.execute(db);
  // Written in bulk, so the petition's counter (kept by the service one confirmation at a time) is set here.
  await sql`UPDATE voice_petitions SET signatures = ${signatureCount} WHERE id = ${p.id}`.execute(db);
  await sql`ANALYZE voice_signatures`.execute(db);
  const signaturesMs = performance.now() - t0;

  const results = [
    await timed('search: common word ("carer"), first page of 20', 10, () => service.searchStories(db, anonymous, { q: 'carer', pageSize: 20 })),
    await timed('search: two words ("damp repair")', 10, () => service.searchStories(db, anonymous, { q: 'damp repair', pageSize: 20 })),
    await timed('search: rare word (one story)', 10, () => service.searchStories(db, anonymous, { q: `number${Math.floor(storyCount / 2)}`, pageSize: 20 })),
    await timed('filter: area (local authority) + tag', 10, () => service.searchStories(db, anonymous, { area: NEWCASTLE, tag: 'praise', pageSize: 20 })),
    await timed('feed: all, newest 50 stories + responses', 10, () => service.feedContent(db, { kind: 'all' })),
    await timed('feed: one organisation', 10, () => service.feedContent(db, { kind: 'organisation', value: w.newcastle.id })),
    await timed('metrics: one organisation', 10, () => service.organisationMetrics(db, w.newcastle.id)),
    await timed(`petition document with counts by local authority (${signatureCount.toLocaleString('en-GB')} signatures)`, 10, () => petitions.petitionWithCounts(db, p.id)),
  ];
  // Sign and confirm new signatures one after another on the big petition.
  const confirmTimes: number[] = [];
  for (let i = 0; i < 20; i++) {
    const email = `late${i}@example.org`;
    await petitions.signPetition(db, anonymous, p.id, { name: 'Late', email, postcode: 'NE1 4ST', localAuthority: NEWCASTLE, consent: 'yes' }, { baseUrl: 'http://localhost' });
    const token = /token=([\w-]+)/.exec((await listOutbox(db, { to: email, limit: 1 }))[0]!.text)![1]!;
    const c0 = performance.now();
    await petitions.confirmSignature(db, anonymous, token, { baseUrl: 'http://localhost' });
    confirmTimes.push(performance.now() - c0);
  }
  confirmTimes.sort((a, b) => a - b);
  const total = (await petitions.getPetition(db, p.id)).signatures;
  if (total !== signatureCount + 20) throw new Error(`expected ${signatureCount + 20} signatures, counted ${total}`);

  console.log(`\n${engine}: ${storyCount.toLocaleString('en-GB')} stories loaded in ${storiesMs.toFixed(0)} ms; ${signatureCount.toLocaleString('en-GB')} signatures in ${signaturesMs.toFixed(0)} ms`);
  for (const r of results) console.log(`  ${r.label}: median ${r.median.toFixed(1)} ms, worst ${r.worst.toFixed(1)} ms`);
  console.log(`  confirm one signature (${total.toLocaleString('en-GB')} on the petition): median ${confirmTimes[10]!.toFixed(1)} ms, worst ${confirmTimes[19]!.toFixed(1)} ms`);
  await handle.close();
}
