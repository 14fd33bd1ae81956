// Voice's kinds of work for the platform inbox, and who is told when such work arrives:
// - stories and responses to moderate: the moderators (the `moderator` role in the moderating organisation),
//   or the site administrators while no moderating organisation is chosen;
// - stories to answer: the administrators and staff of each organisation whose service a published story is
//   about, until that organisation has answered (a rejected answer leaves the story waiting).
import { sql } from 'kysely';
import type { Db } from '../platform/db.ts';
import { notifyWork, roleHolderIds, siteAdministratorIds, type WorkItem, type WorkKind, type WorkPerson } from '../platform/inbox.ts';
import { hasRole } from '../platform/auth/auth.repository.ts';
import { organisationNames } from '../organisations/organisations.service.ts';
import * as repo from './voice.repository.ts';

export const moderateKind = 'voice.story-to-moderate';
export const answerKind = 'voice.story-to-answer';
const responders = ['admin', 'staff'] as const;

/** The people who moderate now: the moderating organisation's moderators, or the site administrators while there is none. */
export async function moderatorIds(db: Db): Promise<string[]> {
  const org = await repo.moderatingOrganisation(db);
  return org ? roleHolderIds(db, [org], ['moderator']) : siteAdministratorIds(db);
}

async function moderates(db: Db, person: WorkPerson): Promise<boolean> {
  const org = await repo.moderatingOrganisation(db);
  return org ? hasRole(db, person.id, org, ['moderator']) : person.isAdmin;
}

async function toModerate(db: Db, person: WorkPerson): Promise<WorkItem[]> {
  if (!(await moderates(db, person))) return [];
  const stories = (await repo.searchStories(db, { status: 'pending', limit: 100 })).items;
  const responses = await repo.pendingResponses(db, 100);
  const storyIds = [...new Set(responses.map((r) => r.story_id))];
  const titles = new Map(storyIds.length ? (await db.selectFrom('voice_stories').select(['id', 'title']).where('id', 'in', storyIds).execute()).map((s) => [s.id, s.title]) : []);
  return [
    ...stories.map((s) => ({ title: `Moderate the story “${s.title}”`, href: `/voice/moderation/stories/${s.id}`, date: s.submitted_at, detail: `From ${s.pseudonym}` })),
    ...responses.map((r) => ({ title: `Moderate ${r.responder_name}’s response to “${titles.get(r.story_id) ?? 'a story'}”`, href: '/voice/moderation#responses', date: r.created_at })),
  ].sort((a, b) => a.date.getTime() - b.date.getTime());
}

/** Published stories about a service of an organisation where the person answers, that organisation has not answered. */
async function toAnswer(db: Db, person: WorkPerson): Promise<WorkItem[]> {
  const rows = await sql<{ id: string; title: string; published_at: Date | null; submitted_at: Date; organisation_id: string }>`
    SELECT DISTINCT st.id, st.title, st.published_at, st.submitted_at, ss.organisation_id
      FROM voice_stories st
      JOIN voice_story_services ss ON ss.story_id = st.id
      JOIN memberships m ON m.organisation_id = ss.organisation_id AND m.user_id = ${person.id} AND m.role IN ('admin', 'staff')
     WHERE st.status = 'published'
       AND NOT EXISTS (SELECT 1 FROM voice_responses r
                        WHERE r.story_id = st.id AND r.organisation_id = ss.organisation_id AND r.status IN ('pending', 'published'))
     ORDER BY st.published_at NULLS LAST, st.id
     LIMIT 100`.execute(db);
  const names = await organisationNames(db, [...new Set(rows.rows.map((r) => r.organisation_id))]);
  return rows.rows.map((r) => ({
    title: `Answer the story “${r.title}”`, href: `/voice/stories/${r.id}#respond`, date: r.published_at ?? r.submitted_at,
    detail: `For ${names.get(r.organisation_id)?.name ?? 'your organisation'}`,
  }));
}

export const voiceWork: WorkKind[] = [
  { kind: moderateKind, label: 'Stories and responses to moderate', emailHint: 'When a story or a response is waiting for a moderator', list: toModerate },
  { kind: answerKind, label: 'Stories to answer', emailHint: 'When a story about one of your organisation’s services is published', list: toAnswer },
];

/** Tells the moderators a story waits (in the caller's transaction). */
export async function noticeStoryToModerate(trx: Db, story: { id: string; title: string }, baseUrl: string): Promise<void> {
  await notifyWork(trx, {
    kind: moderateKind, userIds: await moderatorIds(trx), baseUrl, href: `/voice/moderation/stories/${story.id}`,
    subject: `A story waits for moderation: ${story.title}`,
    text: `A new story, “${story.title}”, has been submitted. Nothing is public until a moderator publishes it.`,
  });
}

/** Tells the moderators a response waits. */
export async function noticeResponseToModerate(trx: Db, response: { responder_name: string }, story: { title: string }, baseUrl: string): Promise<void> {
  await notifyWork(trx, {
    kind: moderateKind, userIds: await moderatorIds(trx), baseUrl, href: '/voice/moderation#responses',
    subject: `A response waits for moderation: ${story.title}`,
    text: `${response.responder_name} has responded to the story “${story.title}”. The response is not public until a moderator publishes it.`,
  });
}

/** Tells each answering organisation's administrators and staff that a story about their service is published. */
export async function noticeStoryToAnswer(trx: Db, story: { id: string; title: string }, baseUrl: string): Promise<void> {
  const services = await repo.servicesOfStories(trx, [story.id]);
  const orgIds = [...new Set(services.map((s) => s.organisation_id))];
  const names = await organisationNames(trx, orgIds);
  for (const orgId of orgIds) {
    const about = services.filter((s) => s.organisation_id === orgId).map((s) => s.name).join(', ');
    await notifyWork(trx, {
      kind: answerKind, userIds: await roleHolderIds(trx, [orgId], responders), baseUrl, href: `/voice/stories/${story.id}#respond`,
      subject: `A story about ${about} is published`,
      text: `A story about ${about}, run by ${names.get(orgId)?.name ?? 'your organisation'}, is published: “${story.title}”. You can answer it in public for your organisation.`,
    });
  }
}
