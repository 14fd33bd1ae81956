// Fair comparison and "the worst 10%" (issue 18): funnel limits with overdispersion, risk adjustment by the
// deprivation of the people served, rank intervals by seeded simulation, and flags that need two periods,
// enough responses and a peer review's confirmation. A noisy small service is not flagged where a naive
// bottom-10% ranking would flag it; a large, consistently poor one is.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eachEngine } from '../platform/testing.ts';
import { isAppError } from '../platform/errors.ts';
import { listOutbox } from '../platform/outbox.repository.ts';
import { compareServices, readCompareQuery } from './scorecards.compare.ts';
import { decideFlag, flags, flagsComputedAt, flagStatus, flagsToDecide, MIN_RESPONSES, recomputeFlags } from './scorecards.flags.ts';
import * as review from './scorecards.peer-review.ts';
import { decisionSection } from './scorecards.peer-sections.ts';
import { financialYear } from './scorecards.periods.ts';
import { serviceSubject } from './scorecards.service.ts';
import { AFFLUENT_POSTCODE, baseUrl, DEPRIVED_POSTCODE, peerWorld, seedPeerGroup, seedStories, type PeerWorld } from './scorecards.peer-review.test-support.ts';

const opts = { baseUrl };
const report = { evidence: 'Read 300 ratings; visited.', findings: 'Users are unhappy with late visits.', recommendations: 'Fix the rota.', safe: 'requires-improvement', effective: 'requires-improvement', caring: 'good', responsive: 'inadequate', 'well-led': 'requires-improvement' };

eachEngine('scorecards fair comparison and the worst 10%', (t) => {
  let world: Promise<PeerWorld> | null = null;
  const setup = () => (world ??= peerWorld(t().ctx, 'fl').then(async (w) => {
    await seedPeerGroup(t().ctx.db, w, [2025, 2026]);
    return w;
  }));

  it('flags a large, consistently poor service and not a noisy small one that a naive bottom-10% ranking would', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const c = await compareServices(db, { kind: 'involvement', indicator: 'fft-positive', period: '2026' });
    assert.equal(c.units.length, 10);
    // Naive: the lowest 10% of values (1 of 10) is the small service at 3 of 6.
    const naive = [...c.units].sort((a, b) => a.value - b.value)[0]!;
    assert.equal(naive.serviceId, w.services.small.id);
    assert.equal(naive.value, 0.5);
    const small = c.units.find((u) => u.serviceId === w.services.small.id)!;
    const poor = c.units.find((u) => u.serviceId === w.services.poor.id)!;
    // Within its limits: 3 of 6 is what chance gives a service this small.
    assert.notEqual(small.significance, 'low-99.8');
    assert.ok(small.rank.bottomDecileProbability < 0.9, `small: ${small.rank.bottomDecileProbability}`);
    assert.ok(small.rank.upper95 - small.rank.lower95 >= 5, 'a wide rank interval');
    assert.equal(poor.significance, 'low-99.8');
    assert.equal(poor.adjusted.significance, 'low-99.8');
    // Its rank is certain to be near the bottom, though the small service's noise shares the lowest place with it.
    assert.ok(poor.rank.lower95 >= 9, `poor ranks ${poor.rank.lower95}–${poor.rank.upper95}`);
    assert.ok(c.phi !== null && c.phi > 1, 'overdispersion estimated');
    // The rank simulation is seeded: the same data give the same answer.
    const again = await compareServices(db, { kind: 'involvement', indicator: 'fft-positive', period: '2026' });
    assert.deepEqual(again.units.map((u) => u.rank), c.units.map((u) => u.rank));
    const f = await flags(db, { kind: 'involvement', period: '2026' });
    assert.deepEqual(f.map((x) => [x.serviceId, x.indicator, x.state]), [[w.services.poor.id, 'fft-positive', 'awaiting-peer-review']]);
    assert.equal(f[0]!.stateLabel, 'Statistically flagged, awaiting peer review');
    assert.deepEqual(f[0]!.evidence.map((e) => e.period), ['2025', '2026']);
    assert.deepEqual(await flagStatus(db, w.services.small.id, '2026'), []);
    // The service's 2026-27 scorecard shows the flag stored for 2026 (the world's data are for 2025 and 2026),
    // and its 2025-26 one the flags of 2025: none.
    const subject = await serviceSubject(db, w.services.poor.id);
    const decision = await decisionSection(db, subject, financialYear(2026));
    assert.deepEqual((decision!.data as { flags: unknown[] }).flags, [{ period: '2026', indicator: 'fft-positive', state: 'awaiting-peer-review' }]);
    assert.ok(decision!.figures.some((i) => i.value === 'Statistically flagged, awaiting peer review'));
    assert.deepEqual((((await decisionSection(db, subject, financialYear(2025)))!.data) as { flags: unknown[] }).flags, []);
  });

  it('needs two consecutive periods and enough responses', async () => {
    const w = await setup();
    const { db } = t().ctx;
    // 2024 has only the one year before it: nothing is flagged in 2025 without 2024.
    assert.deepEqual(await flags(db, { kind: 'involvement', period: '2025' }), []);
    // Computed for 2025 (by the seed's recompute), never for 2019: the page can tell the two apart.
    assert.ok(await flagsComputedAt(db, '2025'));
    assert.equal(await flagsComputedAt(db, '2019'), null);
    assert.ok(MIN_RESPONSES >= 30);
    // 2027 and 2028: a service far below the rest in both years, but on fewer responses than the threshold.
    const [thin, ...rest] = w.services.peers;
    for (const year of [2027, 2028]) {
      for (const s of rest) await seedStories(db, { serviceId: s.id, organisationId: s.organisationId, year, rated: 200, positive: 160 });
      await seedStories(db, { serviceId: thin!.id, organisationId: thin!.organisationId, year, rated: MIN_RESPONSES - 5, positive: 5 });
    }
    const c = await compareServices(db, { kind: 'involvement', indicator: 'fft-positive', period: '2028' });
    const u = c.units.find((x) => x.serviceId === thin!.id)!;
    assert.equal(u.significance, 'low-99.8');
    await recomputeFlags(db, ['2028']);
    assert.deepEqual(await flags(db, { kind: 'involvement', period: '2028' }), []);
    // One more response a year, at the same rate, would be enough: the threshold is what holds it back.
    for (const year of [2027, 2028]) await seedStories(db, { serviceId: thin!.id, organisationId: thin!.organisationId, year, rated: 5, positive: 1 });
    // Stored flags change only when recomputed.
    assert.deepEqual(await flags(db, { kind: 'involvement', period: '2028' }), []);
    await recomputeFlags(db, ['2028']);
    assert.deepEqual((await flags(db, { kind: 'involvement', period: '2028' })).map((f) => [f.serviceId, f.indicator]), [[thin!.id, 'fft-positive']]);
  });

  it('adjusts for the deprivation of the people served: indirect standardisation by decile', async () => {
    // Its own world: two services, each hearing from people in a deprived and an affluent area.
    const w = await peerWorld(t().ctx, 'adj', { places: false });
    const { db } = t().ctx;
    const [a, b] = [w.services.peers[0]!, w.services.peers[1]!];
    // Deprived area: 50% positive for both; affluent: 90% for both. A hears mostly from the deprived area.
    await seedStories(db, { serviceId: a.id, organisationId: a.organisationId, year: 2030, rated: 80, positive: 40, postcode: DEPRIVED_POSTCODE });
    await seedStories(db, { serviceId: a.id, organisationId: a.organisationId, year: 2030, rated: 20, positive: 18, postcode: AFFLUENT_POSTCODE });
    await seedStories(db, { serviceId: b.id, organisationId: b.organisationId, year: 2030, rated: 20, positive: 10, postcode: DEPRIVED_POSTCODE });
    await seedStories(db, { serviceId: b.id, organisationId: b.organisationId, year: 2030, rated: 80, positive: 72, postcode: AFFLUENT_POSTCODE });
    const c = await compareServices(db, { kind: 'involvement', indicator: 'fft-positive', period: '2030' });
    const ua = c.units.find((u) => u.serviceId === a.id)!;
    const ub = c.units.find((u) => u.serviceId === b.id)!;
    assert.equal(ua.value, 0.58);
    assert.equal(ub.value, 0.82);
    // Peer rates: deprived 50/100, affluent 90/100. Expected for A = 0.5·80 + 0.9·20 = 58 = observed.
    assert.ok(Math.abs(ua.adjusted.expected - 58) < 1e-9);
    assert.ok(Math.abs(ub.adjusted.expected - 82) < 1e-9);
    assert.equal(ua.adjusted.ratio, 1);
    assert.equal(ub.adjusted.ratio, 1);
    assert.deepEqual(ua.byDecile.map((d) => d.denominator), [80, 20]);
    const [deprived, affluent] = ua.byDecile.map((d) => d.decile);
    assert.ok(deprived != null && affluent != null && deprived < affluent, `deciles ${deprived} and ${affluent}`);
    // Unadjusted, A looks much worse than B; adjusted, they are alike.
    assert.ok(ua.value < ub.value);
  });

  it('becomes a candidate when a published peer review confirms the concern, and a commissioner of the commissioning organisation decides', async () => {
    const w = await setup();
    const { db } = t().ctx;
    const r = await review.inviteReview(db, w.actors.commissioner, { service: w.services.poor.id, scope: 'Why users rate it poorly' });
    await review.addReviewer(db, w.actors.commissioner, r.id, { person: w.people.lead.id }, opts);
    await review.declareConflicts(db, w.actors.lead, r.id, { conflict: 'no' }, opts);
    await review.writeReport(db, w.actors.lead, r.id, { ...report, concern: 'fft-positive' }, { publish: true, today: '2026-06-01', ...opts });
    const [f] = await flagStatus(db, w.services.poor.id, '2026');
    assert.equal(f!.state, 'candidate');
    assert.equal(f!.commissioner?.id, w.council.id);
    // The commissioner hears of it by email and in the inbox.
    assert.match((await listOutbox(db, { to: w.people.commissioner.email })).map((m) => m.subject).join('\n'), /candidate for the bottom 10%/);
    assert.equal((await flagsToDecide(db, w.people.commissioner.id, '2026')).length, 1);
    const input: Record<string, string> = { service: w.services.poor.id, indicator: 'fft-positive', period: '2026', decision: 'improve', reason: 'A plan agreed with users, reviewed in six months.' };
    // Nobody else decides; bad input names the field.
    await assert.rejects(decideFlag(db, w.actors.providerStaff, input), (e: unknown) => isAppError(e) && e.code === 'forbidden');
    await assert.rejects(decideFlag(db, w.actors.commissioner, { ...input, decision: 'close-it' }), (e: unknown) => isAppError(e) && e.fieldErrors[0]!.field === 'decision');
    await assert.rejects(decideFlag(db, w.actors.commissioner, { ...input, indicator: 'share-answered' }), (e: unknown) => isAppError(e) && e.code === 'not_found');
    // Two decisions sent at once: one is recorded, the other refused as already decided.
    const both = await Promise.allSettled([decideFlag(db, w.actors.commissioner, input), decideFlag(db, w.actors.commissioner, { ...input, decision: 'decommission' })]);
    const won = both.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof decideFlag>>> => r.status === 'fulfilled');
    const lost = both.filter((r) => r.status === 'rejected');
    assert.equal(won.length, 1);
    assert.ok(lost.length === 1 && isAppError(lost[0]!.reason) && lost[0]!.reason.code === 'conflict', String((lost[0] as PromiseRejectedResult | undefined)?.reason));
    assert.equal(Number((await db.selectFrom('scorecards_flag_decisions').select((e) => e.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n), 1);
    const decided = won[0]!.value;
    input.decision = decided.decision!.decision;
    assert.equal(decided.state, 'decided');
    assert.equal(decided.decision?.decidedBy, w.people.commissioner.name);
    const stored = await db.selectFrom('scorecards_flag_decisions').selectAll().executeTakeFirstOrThrow();
    assert.deepEqual((stored.fairness as { byDecile: unknown[] }).byDecile.length > 0, true);
    await assert.rejects(decideFlag(db, w.actors.commissioner, input), (e: unknown) => isAppError(e) && e.code === 'conflict');
    const [after] = await flags(db, { kind: 'involvement', period: '2026' });
    assert.equal(after!.state, 'decided');
    assert.equal(after!.decision?.decision, decided.decision!.decision);
    assert.equal((await flagsToDecide(db, w.people.commissioner.id, '2026')).length, 0);
  });

  it('reads the query, naming each field at fault', () => {
    assert.throws(() => readCompareQuery({ kind: 'hotels', indicator: 'stars', period: '26' }), (e: unknown) => {
      assert.ok(isAppError(e));
      assert.deepEqual(e.fieldErrors.map((f) => f.field), ['kind', 'indicator', 'period']);
      return true;
    });
    assert.deepEqual(readCompareQuery({ kind: 'technical', indicator: 'share-answered', period: '2026' }), { kind: 'technical', indicator: 'share-answered', period: '2026' });
  });
});
