// The only place with SQL for the voice module. Functions take (db | trx, …). Every read that shows text to the
// public takes a `published` filter from its caller; nothing here decides who may see what.
import { sql, type Selectable } from 'kysely';
import type { Db } from '../platform/db.ts';
import type {
  DecisionType, FftRating, ModerationStatus, PetitionStatus, VoicePetitionSettingsTable, VoicePetitionsTable, VoiceResponsesTable,
  VoiceServicesTable, VoiceSignaturesTable, VoiceStoriesTable,
} from './voice.table.ts';

export type ServiceRow = Selectable<VoiceServicesTable>;
// A story's Friends and Family Test answer is read only in aggregates (serviceVoiceRecords), never with the story.
export type StoryRow = Omit<Selectable<VoiceStoriesTable>, 'search' | 'fft_rating'>;
export type ResponseRow = Omit<Selectable<VoiceResponsesTable>, 'search'>;
export type PetitionRow = Selectable<VoicePetitionsTable>;
export type SignatureRow = Selectable<VoiceSignaturesTable>;
export type PetitionSettingsRow = Selectable<VoicePetitionSettingsTable>;

const storyColumns = ['id', 'title', 'body', 'pseudonym', 'author_email', 'author_postcode', 'status', 'reject_reason', 'criticality', 'assisted_by', 'me_too', 'example', 'submitted_at', 'published_at'] as const;
const responseColumns = ['organisation_id', 'id', 'story_id', 'responder_user_id', 'responder_name', 'body', 'claims_change', 'status', 'reject_reason', 'confirm_token_hash', 'change_confirmed_at', 'created_at', 'published_at'] as const;

// Settings

export async function moderatingOrganisation(db: Db): Promise<string | null> {
  const r = await db.selectFrom('voice_settings').select('moderating_organisation_id').executeTakeFirst();
  return r?.moderating_organisation_id ?? null;
}

export async function setModeratingOrganisation(db: Db, organisationId: string | null): Promise<void> {
  await db.insertInto('voice_settings').values({ singleton: true, moderating_organisation_id: organisationId })
    .onConflict((oc) => oc.column('singleton').doUpdateSet({ moderating_organisation_id: organisationId })).execute();
}

// Services

export async function insertService(db: Db, s: { organisationId: string; name: string; description: string; decisionType: DecisionType }): Promise<ServiceRow> {
  return db.insertInto('voice_services').values({ organisation_id: s.organisationId, name: s.name, description: s.description, decision_type: s.decisionType })
    .returningAll().executeTakeFirstOrThrow();
}

export async function updateService(db: Db, s: ServiceRow, change: { name: string; description: string; decisionType: DecisionType }): Promise<ServiceRow> {
  return db.updateTable('voice_services').set({ name: change.name, description: change.description, decision_type: change.decisionType })
    .where('organisation_id', '=', s.organisation_id).where('id', '=', s.id).returningAll().executeTakeFirstOrThrow();
}

export async function replaceServiceAreas(db: Db, s: ServiceRow, areas: { code: string; kind: 'local-authority' | 'small-area'; name: string; laCode: string }[]): Promise<void> {
  await db.deleteFrom('voice_service_areas').where('organisation_id', '=', s.organisation_id).where('service_id', '=', s.id).execute();
  if (areas.length) {
    await db.insertInto('voice_service_areas').values(areas.map((a) => ({
      organisation_id: s.organisation_id, service_id: s.id, area_code: a.code, area_kind: a.kind, area_name: a.name, la_code: a.laCode,
    }))).execute();
  }
}

export async function findService(db: Db, id: string): Promise<ServiceRow | null> {
  return (await db.selectFrom('voice_services').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function findServiceByName(db: Db, organisationId: string, name: string): Promise<ServiceRow | null> {
  return (await db.selectFrom('voice_services').selectAll().where('organisation_id', '=', organisationId)
    .where(sql`lower(name)`, '=', name.toLowerCase()).executeTakeFirst()) ?? null;
}

/** Services whose name contains the text (case-insensitive), by name; at most `limit`. */
export async function servicesNamed(db: Db, text: string, limit = 20): Promise<ServiceRow[]> {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return db.selectFrom('voice_services').selectAll().where(sql`lower(name)`, 'like', pattern).orderBy('name').orderBy('id').limit(limit).execute();
}

export async function listServices(db: Db, filter: { organisationId?: string; area?: string; ids?: string[] } = {}): Promise<ServiceRow[]> {
  let q = db.selectFrom('voice_services as s').selectAll('s').orderBy('s.name');
  if (filter.organisationId) q = q.where('s.organisation_id', '=', filter.organisationId);
  if (filter.ids) {
    if (filter.ids.length === 0) return [];
    q = q.where('s.id', 'in', filter.ids);
  }
  if (filter.area) {
    const area = filter.area;
    q = q.where((eb) => eb.exists(eb.selectFrom('voice_service_areas as a').select('a.area_code')
      .whereRef('a.organisation_id', '=', 's.organisation_id').whereRef('a.service_id', '=', 's.id')
      .where((e) => e.or([e('a.area_code', '=', area), e('a.la_code', '=', area)]))));
  }
  return q.execute();
}

/** A page of services by name (then id), those named like the text or run by one of the organisations; with the total. */
export async function servicesPage(db: Db, f: { text?: string; organisationIds: string[]; limit: number; offset: number }): Promise<{ total: number; rows: ServiceRow[] }> {
  let q = db.selectFrom('voice_services');
  if (f.text) {
    const pattern = `%${f.text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((e) => e.or([e(sql`lower(name)`, 'like', pattern), ...(f.organisationIds.length ? [e('organisation_id', 'in', f.organisationIds)] : [])]));
  }
  const total = Number((await q.select((e) => e.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  const rows = await q.selectAll().orderBy('name').orderBy('id').limit(f.limit).offset(f.offset).execute();
  return { total, rows };
}

export async function areasOfServices(db: Db, serviceIds: string[]) {
  if (serviceIds.length === 0) return [];
  return db.selectFrom('voice_service_areas').selectAll().where('service_id', 'in', serviceIds).orderBy('area_name').execute();
}

/** Every area some service covers (for filters), with the name saved with it. */
export async function coveredAreas(db: Db) {
  return db.selectFrom('voice_service_areas').select(['area_code', 'area_name', 'area_kind']).distinct().orderBy('area_name').execute();
}

// Stories

export async function insertStory(db: Db, s: { title: string; body: string; pseudonym: string; authorEmail: string | null; authorPostcode: string | null; assistedBy: string | null; fftRating?: FftRating | null }): Promise<StoryRow> {
  return db.insertInto('voice_stories').values({
    title: s.title, body: s.body, pseudonym: s.pseudonym, author_email: s.authorEmail, author_postcode: s.authorPostcode,
    assisted_by: s.assistedBy, fft_rating: s.fftRating ?? null, reject_reason: null, criticality: null, published_at: null,
  }).returning([...storyColumns]).executeTakeFirstOrThrow();
}

export async function linkStoryServices(db: Db, storyId: string, services: ServiceRow[]): Promise<void> {
  await db.insertInto('voice_story_services').values(services.map((s) => ({ organisation_id: s.organisation_id, service_id: s.id, story_id: storyId }))).execute();
}

export async function findStory(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<StoryRow | null> {
  let q = db.selectFrom('voice_stories').select([...storyColumns]).where('id', '=', id);
  if (options.forUpdate) q = q.forUpdate();
  return (await q.executeTakeFirst()) ?? null;
}

export async function updateStory(db: Db, id: string, change: Partial<{ title: string; body: string; status: ModerationStatus; reject_reason: string | null; criticality: number | null; published_at: Date | null }>): Promise<StoryRow> {
  return db.updateTable('voice_stories').set(change).where('id', '=', id).returning([...storyColumns]).executeTakeFirstOrThrow();
}

export async function servicesOfStories(db: Db, storyIds: string[]) {
  if (storyIds.length === 0) return [];
  return db.selectFrom('voice_story_services as ss').innerJoin('voice_services as s', (j) => j.onRef('s.organisation_id', '=', 'ss.organisation_id').onRef('s.id', '=', 'ss.service_id'))
    .select(['ss.story_id', 's.id', 's.name', 's.organisation_id']).where('ss.story_id', 'in', storyIds).orderBy('s.name').execute();
}

export async function tagsOfStories(db: Db, storyIds: string[]) {
  if (storyIds.length === 0) return [];
  return db.selectFrom('voice_story_tags').selectAll().where('story_id', 'in', storyIds).orderBy('tag').execute();
}

export async function replaceTags(db: Db, storyId: string, tags: string[]): Promise<void> {
  await db.deleteFrom('voice_story_tags').where('story_id', '=', storyId).execute();
  if (tags.length) await db.insertInto('voice_story_tags').values(tags.map((tag) => ({ story_id: storyId, tag }))).execute();
}

export async function allTags(db: Db) {
  return db.selectFrom('voice_story_tags as t').innerJoin('voice_stories as s', 's.id', 't.story_id').where('s.status', '=', 'published')
    .select(['t.tag', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('t.tag').orderBy('t.tag').execute();
}

export interface StoryFilter {
  status: ModerationStatus;
  q?: string;
  serviceId?: string;
  organisationId?: string;
  /** A local authority or small area code: stories about a service covering it (or a small area within it). */
  area?: string;
  tag?: string;
  minCriticality?: number;
  limit: number;
  offset?: number;
}

/** Stories in one status, newest first, with filters; full-text search over the story and its published responses. */
export async function searchStories(db: Db, f: StoryFilter): Promise<{ total: number; items: StoryRow[] }> {
  let q = db.selectFrom('voice_stories as st').where('st.status', '=', f.status);
  if (f.q) {
    const query = f.q;
    // Two index searches (stories, published responses) joined by UNION, so each can use its GIN index.
    q = q.where('st.id', 'in', sql<string>`(SELECT s.id FROM voice_stories s WHERE s.search @@ websearch_to_tsquery('english', ${query})
      UNION SELECT r.story_id FROM voice_responses r WHERE r.status = 'published' AND r.search @@ websearch_to_tsquery('english', ${query}))`);
  }
  if (f.serviceId || f.organisationId || f.area) {
    q = q.where((eb) => {
      let sub = eb.selectFrom('voice_story_services as ss').select('ss.story_id').whereRef('ss.story_id', '=', 'st.id');
      if (f.serviceId) sub = sub.where('ss.service_id', '=', f.serviceId);
      if (f.organisationId) sub = sub.where('ss.organisation_id', '=', f.organisationId);
      if (f.area) {
        const area = f.area;
        sub = sub.where((e) => e.exists(e.selectFrom('voice_service_areas as a').select('a.area_code')
          .whereRef('a.organisation_id', '=', 'ss.organisation_id').whereRef('a.service_id', '=', 'ss.service_id')
          .where((x) => x.or([x('a.area_code', '=', area), x('a.la_code', '=', area)]))));
      }
      return eb.exists(sub);
    });
  }
  if (f.tag) {
    const tag = f.tag;
    q = q.where((eb) => eb.exists(eb.selectFrom('voice_story_tags as t').select('t.tag').whereRef('t.story_id', '=', 'st.id').where('t.tag', '=', tag)));
  }
  if (f.minCriticality !== undefined) q = q.where('st.criticality', '>=', f.minCriticality);
  const total = Number((await q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  const items = await q.select(storyColumns.map((c) => `st.${c}` as const))
    .orderBy(f.status === 'published' ? 'st.published_at' : 'st.submitted_at', f.status === 'published' ? 'desc' : 'asc')
    .orderBy('st.id').limit(f.limit).offset(f.offset ?? 0).execute();
  return { total, items };
}

/** A "me too" waiting for its emailed link. */
export async function insertMeTooRequest(db: Db, r: { tokenHash: string; storyId: string; voterHash: string }): Promise<void> {
  await db.insertInto('voice_me_too_requests').values({ token_hash: r.tokenHash, story_id: r.storyId, voter_hash: r.voterHash }).execute();
}

export async function findMeTooRequest(db: Db, tokenHash: string) {
  return (await db.selectFrom('voice_me_too_requests').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst()) ?? null;
}

/** Marks a request confirmed (locking it); `firstConfirmation` is false when it already was. Null: no such request. */
export async function claimMeTooRequest(db: Db, tokenHash: string) {
  const row = await db.selectFrom('voice_me_too_requests').selectAll().where('token_hash', '=', tokenHash).forUpdate().executeTakeFirst();
  if (!row) return null;
  if (row.confirmed_at !== null) return { ...row, firstConfirmation: false };
  await db.updateTable('voice_me_too_requests').set({ confirmed_at: new Date() }).where('token_hash', '=', tokenHash).execute();
  return { ...row, firstConfirmation: true };
}

export async function recordMeToo(db: Db, storyId: string, voterHash: string): Promise<boolean> {
  const added = await db.insertInto('voice_me_too').values({ story_id: storyId, voter_hash: voterHash }).onConflict((oc) => oc.doNothing()).returning('story_id').executeTakeFirst();
  if (!added) return false;
  await db.updateTable('voice_stories').set((eb) => ({ me_too: eb('me_too', '+', 1) })).where('id', '=', storyId).execute();
  return true;
}

// Responses

export async function insertResponse(db: Db, r: { organisationId: string; storyId: string; responderUserId: string | null; responderName: string; body: string; claimsChange: boolean; status: ModerationStatus; publishedAt: Date | null }): Promise<ResponseRow> {
  const row = await db.insertInto('voice_responses').values({
    organisation_id: r.organisationId, story_id: r.storyId, responder_user_id: r.responderUserId, responder_name: r.responderName, body: r.body,
    claims_change: r.claimsChange, status: r.status, published_at: r.publishedAt, reject_reason: null, confirm_token_hash: null, change_confirmed_at: null,
  }).returning([...responseColumns]).executeTakeFirstOrThrow();
  if (r.status === 'published') await refreshStoryAnswers(db, [{ organisationId: row.organisation_id, storyId: row.story_id }]);
  return row;
}

/**
 * Rebuilds voice_story_answers (0051) for these stories and organisations from their published answers: the
 * first answer's time and the changes claimed and confirmed; no row when none is published. Every write to
 * voice_responses calls it in its transaction. A lock on each story (held to the end of the transaction) makes
 * two answers to one story published at once rebuild one after the other, the second seeing the first.
 */
export async function refreshStoryAnswers(db: Db, pairs: { organisationId: string; storyId: string }[]): Promise<void> {
  if (pairs.length === 0) return;
  const orgs = pairs.map((p) => p.organisationId);
  const stories = pairs.map((p) => p.storyId);
  await sql`SELECT pg_advisory_xact_lock(hashtext('voice.story-answers'), hashtext(s::text)) FROM (SELECT DISTINCT unnest(${stories}::uuid[]) AS s ORDER BY 1) x`.execute(db);
  await sql`
    WITH k AS (SELECT DISTINCT * FROM unnest(${orgs}::uuid[], ${stories}::uuid[]) AS k(organisation_id, story_id)),
    a AS (
      SELECT r.organisation_id, r.story_id, min(r.published_at) AS first_at,
             count(*) FILTER (WHERE r.claims_change) AS changes, count(*) FILTER (WHERE r.change_confirmed_at IS NOT NULL) AS confirmed
        FROM k JOIN voice_responses r ON r.organisation_id = k.organisation_id AND r.story_id = k.story_id AND r.status = 'published'
       GROUP BY r.organisation_id, r.story_id),
    gone AS (
      DELETE FROM voice_story_answers t USING k
       WHERE t.organisation_id = k.organisation_id AND t.story_id = k.story_id
         AND NOT EXISTS (SELECT 1 FROM a WHERE a.organisation_id = t.organisation_id AND a.story_id = t.story_id))
    INSERT INTO voice_story_answers (organisation_id, story_id, first_at, changes, confirmed)
    SELECT organisation_id, story_id, first_at, changes, confirmed FROM a
    ON CONFLICT (organisation_id, story_id) DO UPDATE SET first_at = excluded.first_at, changes = excluded.changes, confirmed = excluded.confirmed
  `.execute(db);
}

export async function findResponse(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<ResponseRow | null> {
  let q = db.selectFrom('voice_responses').select([...responseColumns]).where('id', '=', id);
  if (options.forUpdate) q = q.forUpdate();
  return (await q.executeTakeFirst()) ?? null;
}

export async function updateResponse(db: Db, r: ResponseRow, change: Partial<{ body: string; status: ModerationStatus; reject_reason: string | null; published_at: Date | null; confirm_token_hash: string | null; change_confirmed_at: Date | null }>): Promise<ResponseRow> {
  const row = await db.updateTable('voice_responses').set(change).where('organisation_id', '=', r.organisation_id).where('id', '=', r.id)
    .returning([...responseColumns]).executeTakeFirstOrThrow();
  if (r.status === 'published' || row.status === 'published') await refreshStoryAnswers(db, [{ organisationId: row.organisation_id, storyId: row.story_id }]);
  return row;
}

export async function responsesOfStories(db: Db, storyIds: string[], status?: ModerationStatus): Promise<ResponseRow[]> {
  if (storyIds.length === 0) return [];
  let q = db.selectFrom('voice_responses').select([...responseColumns]).where('story_id', 'in', storyIds).orderBy('created_at');
  if (status) q = q.where('status', '=', status);
  return q.execute();
}

export async function pendingResponses(db: Db, limit: number): Promise<ResponseRow[]> {
  return db.selectFrom('voice_responses').select([...responseColumns]).where('status', '=', 'pending').orderBy('created_at').limit(limit).execute();
}

export async function publishedResponseCount(db: Db, userId: string): Promise<number> {
  const r = await db.selectFrom('voice_responses').select((eb) => eb.fn.countAll<string>().as('n'))
    .where('responder_user_id', '=', userId).where('status', '=', 'published').executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function findResponseByToken(db: Db, tokenHash: string): Promise<ResponseRow | null> {
  return (await db.selectFrom('voice_responses').select([...responseColumns]).where('confirm_token_hash', '=', tokenHash).executeTakeFirst()) ?? null;
}

/** Published stories and published responses, newest first, for a feed (a story matches as in searchStories). */
export async function feedItems(db: Db, f: Omit<StoryFilter, 'status' | 'q'>) {
  const stories = await searchStories(db, { ...f, status: 'published' });
  const responses = await db.selectFrom('voice_responses as r').innerJoin('voice_stories as st', 'st.id', 'r.story_id')
    .select(['r.id', 'r.story_id', 'r.organisation_id', 'r.responder_name', 'r.body', 'r.published_at', 'r.claims_change', 'r.change_confirmed_at', 'st.title as story_title'])
    .where('r.status', '=', 'published').where('st.status', '=', 'published')
    .where('r.story_id', 'in', stories.items.length ? stories.items.map((s) => s.id) : ['00000000-0000-0000-0000-000000000000'])
    .orderBy('r.published_at', 'desc').limit(f.limit).execute();
  return { stories: stories.items, responses };
}

// Moderation log

export async function logModeration(db: Db, entry: { subjectType: 'story' | 'response' | 'petition'; subjectId: string; action: string; moderatorUserId: string | null; before: unknown; after: unknown }): Promise<void> {
  await db.insertInto('voice_moderation_log').values({
    subject_type: entry.subjectType, subject_id: entry.subjectId, action: entry.action, moderator_user_id: entry.moderatorUserId,
    before: JSON.stringify(entry.before ?? null), after: JSON.stringify(entry.after ?? null),
  }).execute();
}

export async function moderationLog(db: Db, subjectType: 'story' | 'response' | 'petition', subjectIds: string[]) {
  if (subjectIds.length === 0) return [];
  return db.selectFrom('voice_moderation_log as l').leftJoin('users as u', 'u.id', 'l.moderator_user_id')
    .select(['l.id', 'l.subject_id', 'l.action', 'l.before', 'l.after', 'l.at', 'u.name as moderator_name'])
    .where('l.subject_type', '=', subjectType).where('l.subject_id', 'in', subjectIds).orderBy('l.id').execute();
}

/** Demo seed only: marks a story as an invented example and gives it (and its responses) the given times. */
export async function markExampleStory(db: Db, storyId: string, times: { submittedAt: Date; publishedAt: Date | null }): Promise<void> {
  await db.updateTable('voice_stories').set({ example: true, submitted_at: times.submittedAt, published_at: times.publishedAt })
    .where('id', '=', storyId).execute();
}

/** Demo seed only: gives a response the given times. */
export async function setResponseTimes(db: Db, responseId: string, times: { createdAt: Date; publishedAt: Date | null }): Promise<void> {
  const row = await db.updateTable('voice_responses').set({ created_at: times.createdAt, published_at: times.publishedAt })
    .where('id', '=', responseId).returning(['organisation_id', 'story_id']).executeTakeFirst();
  if (row) await refreshStoryAnswers(db, [{ organisationId: row.organisation_id, storyId: row.story_id }]);
}

// Metrics

/** Per organisation: published stories about its services, and how and how fast it answered them. */
export async function organisationMetrics(db: Db, organisationId: string) {
  const r = await sql<{ stories: string; examples: string; answered: string; median_minutes: number | null; changes: string; confirmed: string }>`
    WITH st AS (
      SELECT DISTINCT s.id, s.published_at, s.example FROM voice_stories s
        JOIN voice_story_services ss ON ss.story_id = s.id AND ss.organisation_id = ${organisationId}
       WHERE s.status = 'published'),
    firsts AS (
      SELECT st.id, min(r.published_at) AS first_at FROM st
        JOIN voice_responses r ON r.story_id = st.id AND r.organisation_id = ${organisationId} AND r.status = 'published'
       GROUP BY st.id)
    SELECT (SELECT count(*) FROM st) AS stories,
           (SELECT count(*) FROM st WHERE st.example) AS examples,
           (SELECT count(*) FROM firsts) AS answered,
           (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(0, extract(epoch FROM f.first_at - st.published_at) / 60))
              FROM firsts f JOIN st ON st.id = f.id) AS median_minutes,
           (SELECT count(*) FROM voice_responses r WHERE r.organisation_id = ${organisationId} AND r.status = 'published' AND r.claims_change) AS changes,
           (SELECT count(*) FROM voice_responses r WHERE r.organisation_id = ${organisationId} AND r.status = 'published' AND r.change_confirmed_at IS NOT NULL) AS confirmed
  `.execute(db);
  const row = r.rows[0]!;
  return {
    stories: Number(row.stories), examples: Number(row.examples), answered: Number(row.answered),
    medianMinutes: row.median_minutes === null ? null : Math.round(Number(row.median_minutes)),
    changes: Number(row.changes), confirmed: Number(row.confirmed),
  };
}

/** Per service, over stories published in [from, to): ratings by answer, and how and how fast the service's organisation answered. */
export async function serviceVoiceRecords(db: Db, serviceIds: string[], from: Date, to: Date) {
  if (serviceIds.length === 0) return [];
  const r = await sql<{
    service_id: string; stories: string; rated: string; very_good: string; good: string; neither: string; poor: string; very_poor: string; dont_know: string;
    answered: string; median_minutes: number | null; changes: string; confirmed: string;
  }>`
    WITH st AS (
      -- From the services (by their id index) to their stories by the primary key (organisation_id, service_id, …).
      SELECT ss.service_id, ss.organisation_id, s.id, s.published_at, s.fft_rating FROM voice_services v
        JOIN voice_story_services ss ON ss.organisation_id = v.organisation_id AND ss.service_id = v.id
        JOIN voice_stories s ON s.id = ss.story_id
       WHERE v.id IN (${sql.join(serviceIds)})
         AND s.status = 'published' AND s.published_at >= ${from} AND s.published_at < ${to}),
    resp AS (
      SELECT st.service_id, st.id, st.published_at, r.published_at AS answered_at, r.claims_change, r.change_confirmed_at FROM st
        JOIN voice_responses r ON r.story_id = st.id AND r.organisation_id = st.organisation_id AND r.status = 'published'),
    firsts AS (
      SELECT service_id, id, min(answered_at) - min(published_at) AS wait FROM resp GROUP BY service_id, id),
    -- Each aggregate grouped once and joined by service (not a subquery per service: the recompute of every
    -- service's scorecard reads all of them at once).
    fa AS (
      SELECT service_id, count(*) AS answered,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(0, extract(epoch FROM wait) / 60)) AS median_minutes
        FROM firsts GROUP BY service_id),
    ra AS (
      SELECT service_id, count(*) FILTER (WHERE claims_change) AS changes, count(*) FILTER (WHERE change_confirmed_at IS NOT NULL) AS confirmed
        FROM resp GROUP BY service_id),
    sa AS (
      SELECT st.service_id,
             count(*) AS stories,
             count(st.fft_rating) AS rated,
             count(*) FILTER (WHERE st.fft_rating = 'very-good') AS very_good,
             count(*) FILTER (WHERE st.fft_rating = 'good') AS good,
             count(*) FILTER (WHERE st.fft_rating = 'neither') AS neither,
             count(*) FILTER (WHERE st.fft_rating = 'poor') AS poor,
             count(*) FILTER (WHERE st.fft_rating = 'very-poor') AS very_poor,
             count(*) FILTER (WHERE st.fft_rating = 'dont-know') AS dont_know
        FROM st GROUP BY st.service_id)
    SELECT sa.*, coalesce(fa.answered, 0) AS answered, fa.median_minutes, coalesce(ra.changes, 0) AS changes, coalesce(ra.confirmed, 0) AS confirmed
      FROM sa LEFT JOIN fa ON fa.service_id = sa.service_id LEFT JOIN ra ON ra.service_id = sa.service_id
  `.execute(db);
  return r.rows;
}

/**
 * Every service's records for several periods in one statement (the scorecards' recompute): the same figures as
 * serviceVoiceRecords, grouped by service and period. Stories are read once over the whole span, each joined to
 * its row of voice_story_answers (0051: the first published answer of the service's organisation, changes claimed
 * and confirmed, kept at every write of an answer), so no answer is aggregated here and nothing is computed per
 * service. serviceVoiceRecords reads the answers themselves and is the oracle of the tests. Services without
 * stories in a period are absent.
 */
export async function serviceVoiceRecordsByPeriod(db: Db, periods: { name: string; from: Date; to: Date }[]) {
  if (periods.length === 0) return [];
  const names = periods.map((p) => p.name);
  const froms = periods.map((p) => p.from.toISOString());
  const tos = periods.map((p) => p.to.toISOString());
  const min = new Date(Math.min(...periods.map((p) => p.from.getTime())));
  const max = new Date(Math.max(...periods.map((p) => p.to.getTime())));
  const r = await sql<{
    service_id: string; organisation_id: string; period: string; stories: string; rated: string; very_good: string; good: string; neither: string; poor: string; very_poor: string; dont_know: string;
    answered: string; median_minutes: number | null; changes: string; confirmed: string;
  }>`
    WITH p AS (SELECT * FROM unnest(${names}::text[], ${froms}::timestamptz[], ${tos}::timestamptz[]) AS p(name, from_at, to_at)),
    st AS (
      SELECT ss.organisation_id, ss.service_id, p.name AS period, s.id, s.published_at, s.fft_rating
        FROM voice_stories s
        JOIN p ON s.published_at >= p.from_at AND s.published_at < p.to_at
        JOIN voice_story_services ss ON ss.story_id = s.id
       WHERE s.status = 'published' AND s.published_at >= ${min} AND s.published_at < ${max})
    SELECT st.service_id, st.organisation_id, st.period,
           count(*) AS stories,
           count(st.fft_rating) AS rated,
           count(*) FILTER (WHERE st.fft_rating = 'very-good') AS very_good,
           count(*) FILTER (WHERE st.fft_rating = 'good') AS good,
           count(*) FILTER (WHERE st.fft_rating = 'neither') AS neither,
           count(*) FILTER (WHERE st.fft_rating = 'poor') AS poor,
           count(*) FILTER (WHERE st.fft_rating = 'very-poor') AS very_poor,
           count(*) FILTER (WHERE st.fft_rating = 'dont-know') AS dont_know,
           count(a.first_at) AS answered,
           -- greatest() ignores a NULL, so the unanswered are filtered out, not counted as 0.
           percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(0, extract(epoch FROM a.first_at - st.published_at) / 60)) FILTER (WHERE a.first_at IS NOT NULL) AS median_minutes,
           coalesce(sum(a.changes), 0) AS changes, coalesce(sum(a.confirmed), 0) AS confirmed
      FROM st LEFT JOIN voice_story_answers a ON a.story_id = st.id AND a.organisation_id = st.organisation_id
     GROUP BY st.service_id, st.organisation_id, st.period
  `.execute(db);
  return r.rows;
}

/** Published stories of each service in [from, to) counted by the author's postcode (as typed; null when none). */
export async function serviceVoiceByPostcode(db: Db, serviceIds: string[], from: Date, to: Date) {
  if (serviceIds.length === 0) return [];
  const r = await sql<{ service_id: string; postcode: string | null; stories: string; rated: string; positive: string; answered: string }>`
    SELECT ss.service_id, s.author_postcode AS postcode, count(*) AS stories, count(s.fft_rating) AS rated,
           count(*) FILTER (WHERE s.fft_rating IN ('very-good', 'good')) AS positive,
           count(*) FILTER (WHERE EXISTS (SELECT 1 FROM voice_responses r WHERE r.story_id = s.id AND r.organisation_id = ss.organisation_id AND r.status = 'published')) AS answered
      FROM voice_stories s JOIN voice_story_services ss ON ss.story_id = s.id
     WHERE s.status = 'published' AND s.published_at >= ${from} AND s.published_at < ${to} AND ss.service_id IN (${sql.join(serviceIds)})
     GROUP BY ss.service_id, s.author_postcode
  `.execute(db);
  return r.rows;
}

// Subscriptions

export async function insertSubscription(db: Db, s: { userId: string; scope: 'all' | 'service' | 'organisation' | 'area' | 'tag'; value: string; label: string; minCriticality: number | null }) {
  return db.insertInto('voice_subscriptions').values({ user_id: s.userId, scope: s.scope, value: s.value, label: s.label, min_criticality: s.minCriticality })
    .onConflict((oc) => oc.columns(['user_id', 'scope', 'value']).doUpdateSet({ label: s.label, min_criticality: s.minCriticality }))
    .returningAll().executeTakeFirstOrThrow();
}

export async function deleteSubscription(db: Db, userId: string, id: string): Promise<boolean> {
  return !!(await db.deleteFrom('voice_subscriptions').where('user_id', '=', userId).where('id', '=', id).returning('id').executeTakeFirst());
}

export async function subscriptionsOf(db: Db, userId: string) {
  return db.selectFrom('voice_subscriptions').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
}

/** Subscriptions whose scope matches a story, with the subscriber's email. */
export async function matchingSubscriptions(db: Db, m: { serviceIds: string[]; organisationIds: string[]; areas: string[]; tags: string[] }) {
  const none = [''];  // matches no scoped subscription: only scope 'all' has an empty value
  return db.selectFrom('voice_subscriptions as s').innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id', 's.user_id', 's.scope', 's.value', 's.label', 's.min_criticality', 'u.email', 'u.name'])
    .where((eb) => eb.or([
      eb('s.scope', '=', 'all'),
      eb.and([eb('s.scope', '=', 'service'), eb('s.value', 'in', m.serviceIds.length ? m.serviceIds : none)]),
      eb.and([eb('s.scope', '=', 'organisation'), eb('s.value', 'in', m.organisationIds.length ? m.organisationIds : none)]),
      eb.and([eb('s.scope', '=', 'area'), eb('s.value', 'in', m.areas.length ? m.areas : none)]),
      eb.and([eb('s.scope', '=', 'tag'), eb('s.value', 'in', m.tags.length ? m.tags : none)]),
    ])).orderBy('s.created_at').execute();
}

// Petitions

export async function petitionSettings(db: Db, organisationId: string): Promise<PetitionSettingsRow> {
  const r = await db.selectFrom('voice_petition_settings').selectAll().where('organisation_id', '=', organisationId).executeTakeFirst();
  return r ?? { organisation_id: organisationId, response_threshold: 10_000, debate_threshold: 100_000, open_days: 180, required_supporters: 5 };
}

export async function savePetitionSettings(db: Db, s: PetitionSettingsRow): Promise<void> {
  await db.insertInto('voice_petition_settings').values(s).onConflict((oc) => oc.column('organisation_id').doUpdateSet({
    response_threshold: s.response_threshold, debate_threshold: s.debate_threshold, open_days: s.open_days, required_supporters: s.required_supporters,
  })).execute();
}

export async function insertPetition(db: Db, p: { organisationId: string; title: string; background: string; creatorUserId: string | null; creatorName: string; settings: PetitionSettingsRow }): Promise<PetitionRow> {
  return db.insertInto('voice_petitions').values({
    organisation_id: p.organisationId, title: p.title, background: p.background, creator_user_id: p.creatorUserId, creator_name: p.creatorName,
    status: p.settings.required_supporters === 0 ? 'pending' : 'collecting',
    required_supporters: p.settings.required_supporters, response_threshold: p.settings.response_threshold, debate_threshold: p.settings.debate_threshold,
    open_days: p.settings.open_days, reject_reason: null, opened_at: null, closes_at: null, response_text: null, responded_at: null,
    response_threshold_reached_at: null, debate_threshold_reached_at: null,
  }).returningAll().executeTakeFirstOrThrow();
}

export async function findPetition(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<PetitionRow | null> {
  let q = db.selectFrom('voice_petitions').selectAll().where('id', '=', id);
  if (options.forUpdate) q = q.forUpdate();
  return (await q.executeTakeFirst()) ?? null;
}

export async function updatePetition(db: Db, p: PetitionRow, change: Partial<Pick<PetitionRow, 'status' | 'reject_reason' | 'opened_at' | 'closes_at' | 'response_text' | 'responded_at' | 'title' | 'background'>>): Promise<PetitionRow> {
  return db.updateTable('voice_petitions').set(change).where('organisation_id', '=', p.organisation_id).where('id', '=', p.id).returningAll().executeTakeFirstOrThrow();
}

/** Marks a threshold reached once: true only for the caller that set it (so its emails go exactly once). */
export async function markThresholdReached(db: Db, p: PetitionRow, which: 'response' | 'debate'): Promise<boolean> {
  const column = which === 'response' ? 'response_threshold_reached_at' : 'debate_threshold_reached_at';
  const r = await db.updateTable('voice_petitions').set({ [column]: new Date() }).where('organisation_id', '=', p.organisation_id).where('id', '=', p.id)
    .where(column, 'is', null).returning('id').executeTakeFirst();
  return !!r;
}

export async function listPetitions(db: Db, filter: { statuses: PetitionStatus[]; organisationId?: string; limit: number }): Promise<PetitionRow[]> {
  let q = db.selectFrom('voice_petitions').selectAll().where('status', 'in', filter.statuses).orderBy('created_at', 'desc').limit(filter.limit);
  if (filter.organisationId) q = q.where('organisation_id', '=', filter.organisationId);
  return q.execute();
}

/** Counts confirmed, valid signatures from the signatures themselves (the check on the petition's counter). */
export async function signatureCounts(db: Db, petitions: { organisation_id: string; id: string }[]): Promise<Map<string, number>> {
  if (petitions.length === 0) return new Map();
  const rows = await db.selectFrom('voice_signatures').select(['petition_id', (eb) => eb.fn.countAll<string>().as('n')])
    .where('petition_id', 'in', petitions.map((p) => p.id)).where('confirmed_at', 'is not', null).where('invalidation_id', 'is', null)
    .groupBy('petition_id').execute();
  return new Map(rows.map((r) => [r.petition_id, Number(r.n)]));
}

/** Counted signatures by where the signers live: local authority, nation (when the authority is unknown) or country outside the UK. */
export async function countsByArea(db: Db, p: { organisation_id: string; id: string }) {
  const rows = await db.selectFrom('voice_signatures').select(['la_code', 'nation', 'country', (eb) => eb.fn.countAll<string>().as('n')])
    .where('organisation_id', '=', p.organisation_id).where('petition_id', '=', p.id)
    .where('confirmed_at', 'is not', null).where('invalidation_id', 'is', null)
    .groupBy(['la_code', 'nation', 'country']).execute();
  return rows.map((r) => ({ laCode: r.la_code, nation: r.nation, country: r.country, signatures: Number(r.n) }));
}

export async function findSignatureByEmail(db: Db, p: PetitionRow, canonical: string): Promise<SignatureRow | null> {
  return (await db.selectFrom('voice_signatures').selectAll().where('organisation_id', '=', p.organisation_id).where('petition_id', '=', p.id)
    .where('canonical_email', '=', canonical).executeTakeFirst()) ?? null;
}

/** Inserts a signature; null when that canonical email has already signed (the unique index decides). */
export async function insertSignature(db: Db, s: {
  petition: PetitionRow; name: string; email: string; canonicalEmail: string; tokenHash: string;
  postcode: string | null; laCode: string | null; nation: string | null; country: string | null; postcodeFound: boolean; ipPrefix: string | null;
}): Promise<SignatureRow | null> {
  return (await db.insertInto('voice_signatures').values({
    organisation_id: s.petition.organisation_id, petition_id: s.petition.id, name: s.name, email: s.email, canonical_email: s.canonicalEmail,
    postcode: s.postcode, la_code: s.laCode, nation: s.nation, country: s.country, postcode_found: s.postcodeFound, ip_prefix: s.ipPrefix,
    token_hash: s.tokenHash, confirmed_at: null, invalidation_id: null,
  }).onConflict((oc) => oc.columns(['organisation_id', 'petition_id', 'canonical_email']).doNothing()).returningAll().executeTakeFirst()) ?? null;
}

export async function findSignatureByToken(db: Db, tokenHash: string): Promise<SignatureRow | null> {
  return (await db.selectFrom('voice_signatures').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst()) ?? null;
}

/**
 * Replaces the link of a signature not yet confirmed (the old link stops working), unless its link was sent after
 * `sentBefore` (so a burst of signings sends one email); false if nothing was replaced.
 */
export async function reissueSignatureToken(db: Db, s: SignatureRow, tokenHash: string, sentBefore: Date): Promise<boolean> {
  const r = await db.updateTable('voice_signatures').set({ token_hash: tokenHash, token_issued_at: new Date() })
    .where('organisation_id', '=', s.organisation_id).where('petition_id', '=', s.petition_id).where('id', '=', s.id)
    .where('confirmed_at', 'is', null).where('invalidation_id', 'is', null).where('token_issued_at', '<', sentBefore).returning('id').executeTakeFirst();
  return !!r;
}

/** Confirms a signature and adds it to the petition's counter; returns the new count, or null if it was already confirmed. Call with the petition locked. */
export async function confirmSignature(db: Db, s: SignatureRow): Promise<number | null> {
  const r = await db.updateTable('voice_signatures').set({ confirmed_at: new Date() })
    .where('organisation_id', '=', s.organisation_id).where('petition_id', '=', s.petition_id).where('id', '=', s.id)
    .where('confirmed_at', 'is', null).where('invalidation_id', 'is', null).returning('id').executeTakeFirst();
  if (!r) return null;
  const p = await db.updateTable('voice_petitions').set((eb) => ({ signatures: eb('signatures', '+', 1) }))
    .where('organisation_id', '=', s.organisation_id).where('id', '=', s.petition_id).returning('signatures').executeTakeFirstOrThrow();
  return p.signatures;
}

/** Confirmed, counted signers' addresses (for threshold and response emails). */
export async function signerEmails(db: Db, p: PetitionRow): Promise<{ email: string; name: string }[]> {
  return db.selectFrom('voice_signatures').select(['email', 'name']).where('organisation_id', '=', p.organisation_id).where('petition_id', '=', p.id)
    .where('confirmed_at', 'is not', null).where('invalidation_id', 'is', null).orderBy('created_at').execute();
}

export interface InvalidationCriteria { emailDomain?: string; signedFrom?: Date; signedTo?: Date; laCode?: string; ipPrefix?: string }

/** The ids of a petition's signatures, not yet invalid, that match the criteria (what an invalidation would remove). */
function matching(db: Db, p: PetitionRow, c: InvalidationCriteria) {
  let q = db.selectFrom('voice_signatures').where('organisation_id', '=', p.organisation_id).where('petition_id', '=', p.id).where('invalidation_id', 'is', null);
  if (c.emailDomain) q = q.where('canonical_email', 'like', `%@${c.emailDomain.replace(/[\\%_]/g, (x) => `\\${x}`)}`);
  if (c.signedFrom) q = q.where('created_at', '>=', c.signedFrom);
  if (c.signedTo) q = q.where('created_at', '<', c.signedTo);
  if (c.laCode) q = q.where('la_code', '=', c.laCode);
  if (c.ipPrefix) q = q.where('ip_prefix', '=', c.ipPrefix);
  return q;
}

/** How many signatures an invalidation with these criteria would remove, and how many of them are counted now. */
export async function previewInvalidation(db: Db, p: PetitionRow, c: InvalidationCriteria): Promise<{ signatures: number; counted: number }> {
  const r = await matching(db, p, c).select([
    (eb) => eb.fn.countAll<string>().as('n'),
    (eb) => eb.fn.count<string>('confirmed_at').as('counted'),
  ]).executeTakeFirstOrThrow();
  return { signatures: Number(r.n), counted: Number(r.counted) };
}

/** Marks every counted-or-pending signature matching the criteria as invalid, with one recorded reason. */
export async function invalidateSignatures(db: Db, p: PetitionRow, input: { reason: string; criteria: InvalidationCriteria; byUserId: string | null }): Promise<{ id: string; signatures: number }> {
  const inv = await db.insertInto('voice_signature_invalidations').values({
    organisation_id: p.organisation_id, petition_id: p.id, reason: input.reason, criteria: JSON.stringify(input.criteria), signatures: 0, by_user_id: input.byUserId,
  }).returning('id').executeTakeFirstOrThrow();
  const changed = await db.updateTable('voice_signatures').set({ invalidation_id: inv.id })
    .where('organisation_id', '=', p.organisation_id).where('petition_id', '=', p.id).where('invalidation_id', 'is', null)
    .where('id', 'in', matching(db, p, input.criteria).select('id'))
    .returning(['id', 'confirmed_at']).execute();
  await db.updateTable('voice_signature_invalidations').set({ signatures: changed.length })
    .where('organisation_id', '=', p.organisation_id).where('petition_id', '=', p.id).where('id', '=', inv.id).execute();
  const counted = changed.filter((c) => c.confirmed_at !== null).length;
  if (counted) {
    await db.updateTable('voice_petitions').set((eb) => ({ signatures: eb('signatures', '-', counted) }))
      .where('organisation_id', '=', p.organisation_id).where('id', '=', p.id).execute();
  }
  return { id: inv.id, signatures: changed.length };
}

export type SurgeDimension = 'ip' | 'domain' | 'area';

/**
 * The surge report: a petition's signatures (not yet invalid) since `since`, grouped by network, email domain or
 * area, biggest groups first, with how many are counted and when the group's first and last came.
 */
export async function signatureSurge(db: Db, p: PetitionRow, by: SurgeDimension, since: Date | null, limit = 20) {
  const key = by === 'ip' ? sql<string | null>`ip_prefix` : by === 'domain' ? sql<string>`split_part(canonical_email, '@', 2)` : sql<string>`coalesce(la_code, 'nation:' || nation, 'country:' || country, 'unknown')`;
  let q = db.selectFrom('voice_signatures').where('organisation_id', '=', p.organisation_id).where('petition_id', '=', p.id).where('invalidation_id', 'is', null);
  if (since) q = q.where('created_at', '>=', since);
  const rows = await q.select([
    key.as('k'),
    (eb) => eb.fn.countAll<string>().as('n'),
    (eb) => eb.fn.count<string>('confirmed_at').as('counted'),
    (eb) => eb.fn.min('created_at').as('first'),
    (eb) => eb.fn.max('created_at').as('last'),
  ]).groupBy(key).orderBy(sql`count(*)`, 'desc').orderBy(key).limit(limit).execute();
  return rows.map((r) => ({ key: r.k, signatures: Number(r.n), counted: Number(r.counted), first: new Date(r.first as Date), last: new Date(r.last as Date) }));
}

/** Signatures of a petition not yet invalid, since `since` (the surge report's denominator). */
export async function signaturesSince(db: Db, p: PetitionRow, since: Date | null): Promise<number> {
  let q = db.selectFrom('voice_signatures').where('organisation_id', '=', p.organisation_id).where('petition_id', '=', p.id).where('invalidation_id', 'is', null);
  if (since) q = q.where('created_at', '>=', since);
  return Number((await q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
}

/** Petitions a person started, newest first (every state). */
export async function petitionsByCreator(db: Db, userId: string): Promise<PetitionRow[]> {
  return db.selectFrom('voice_petitions').selectAll().where('creator_user_id', '=', userId).orderBy('created_at', 'desc').limit(200).execute();
}

export async function invalidationsOf(db: Db, p: PetitionRow) {
  return db.selectFrom('voice_signature_invalidations').select(['id', 'reason', 'criteria', 'signatures', 'at'])
    .where('organisation_id', '=', p.organisation_id).where('petition_id', '=', p.id).orderBy('at').execute();
}
