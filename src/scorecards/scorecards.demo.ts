// Demo data for scorecards: a few example stories that answer the Friends and Family Test question, so a
// newcomer sees a rating on a demo service's scorecard — "Home care for older people": % positive with its
// Wilson 95% interval, and the counts of 1 to 4 suppressed; "Libraries": too few answers to show at all — then
// the headline figures of every service and the worst-10% flags recomputed, so the list and the flags page have
// figures at `npm start`. The scorecard pages themselves are computed on read.
import type { AppContext } from '../platform/module.ts';
import type { Actor } from '../platform/actor.ts';
import { systemActor } from '../platform/actor.ts';
import { findUserByEmail } from '../platform/auth/auth.repository.ts';
import { listServices, markExampleStory, moderateStory, serviceVoiceRecords, submitStory, type FftRating } from '../voice/voice.service.ts';
import { recentPeriods } from './scorecards.periods.ts';
import { recomputeScorecards } from './scorecards.recompute.ts';
import { flagYears, recomputeFlags } from './scorecards.flags.ts';

const example = 'Example, invented for the demonstration: ';
const DAY = 86_400_000;

/** Home care: 13 answers, 9 positive (6 very good, 3 good); neither 1, poor 2, very poor 1 are suppressed. Libraries: 3. */
const rated: { service: string; rating: FftRating; title: string; body: string; pseudonym: string }[] = [
  ...(['very-good', 'very-good', 'very-good', 'very-good', 'very-good', 'very-good', 'good', 'good', 'good', 'neither', 'poor', 'poor', 'very-poor'] as FftRating[]).map((rating, i) => ({
    service: 'Home care for older people', rating,
    title: ['The same two carers every week now', 'Always on time', 'Kind and patient with Dad', 'They noticed he was unwell', 'Helped her stay at home', 'Good with his medication', 'Mostly fine', 'Friendly carers', 'Good, once it settled down', 'Neither good nor bad', 'Visits still move about', 'Nobody rang about the change', 'Missed a morning visit'][i]!,
    body: `${example}${['Since the named team started, my mother sees the same two faces, and she is much calmer for it.', 'The carers arrive when they say they will and stay the full time.', 'They take time to talk with my father and never rush him.', 'A carer spotted a chest infection early and called the GP.', 'Without the visits my aunt could not have stayed in her own home.', 'They keep his medication chart properly and tell us of any change.', 'Most visits go well; an occasional late one.', 'The carers are friendly and my gran looks forward to them.', 'The first month was bumpy, but it is good now.', 'It does the job.', 'The evening visit time still changes from week to week.', 'The time changed and nobody told us until the carer was late.', 'The morning visit did not happen and we only found out at lunchtime.'][i]!}`,
    pseudonym: `Family member ${i + 1} (example)`,
  })),
  ...(['good', 'very-good', 'very-good'] as FftRating[]).map((rating, i) => ({
    service: 'Libraries', rating, title: ['Helpful staff', 'Great children’s corner', 'Quiet place to study'][i]!,
    body: `${example}${['The staff found the book I wanted from another branch.', 'My children love the Saturday story time.', 'I revise here every evening; it is warm and quiet.'][i]!}`,
    pseudonym: `Library user ${i + 1} (example)`,
  })),
];

/** The example ratings, once (after voice's demo; skipped when Home care already has ratings). */
export async function seedRatings(ctx: AppContext): Promise<number> {
  const db = ctx.db;
  const services = new Map((await listServices(db)).map((s) => [s.name, s.id]));
  const homeCare = services.get('Home care for older people');
  const moderator = await findUserByEmail(db, 'moderator.demo@example.org');
  if (!homeCare || !services.get('Libraries') || !moderator) return 0;
  const [record] = await serviceVoiceRecords(db, { serviceIds: [homeCare], from: new Date(Date.now() - 365 * DAY), to: new Date(Date.now() + DAY) });
  if (record && record.rated > 0) return 0;
  const modActor: Actor = { userId: moderator.id, tokenId: null, isAdmin: false, via: 'system' };
  const opts = { baseUrl: ctx.config.baseUrl };
  for (const [i, s] of rated.entries()) {
    const { id } = await submitStory(db, systemActor, { title: s.title, body: s.body, pseudonym: s.pseudonym, email: `rating${i + 1}.story.demo@example.org`, services: [services.get(s.service)!], rating: s.rating }, opts);
    await moderateStory(db, modActor, id, { decision: 'publish' }, opts);
    // Spread over the last seven weeks, each published a few hours after it was told.
    const told = new Date(Date.now() - (3 + i * 3) * DAY);
    await markExampleStory(db, systemActor, id, { submittedAt: told, publishedAt: new Date(told.getTime() + 4 * 3_600_000) });
  }
  return rated.length;
}

export async function seedScorecards(ctx: AppContext): Promise<void> {
  const n = await seedRatings(ctx);
  if (n) ctx.log.info({ stories: n }, 'demo Friends and Family Test ratings loaded');
  const r = await recomputeScorecards(ctx.db, recentPeriods());
  const f = await recomputeFlags(ctx.db, flagYears(null));
  ctx.log.info({ services: r.services, rows: r.rows, ms: r.ms, flags: f.flags, flagsMs: f.ms }, 'scorecards recomputed');
}
