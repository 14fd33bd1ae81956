// Voice: the services directory, stories and their public responses, moderation, "me too", search, metrics,
// feeds and alerts. Named verbs; each change writes its audit row (and any email) in the same transaction.
//
// Who moderates: people holding the `moderator` role in the one moderating organisation a site administrator
// designates (`commonweal voice moderators --org …`), and site administrators. No one else — in particular not
// the staff of the organisation a story is about — can publish, edit or reject stories or responses.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { Checker } from '../platform/validate.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { enqueueEmail } from '../platform/outbox.repository.ts';
import { inTransaction } from '../platform/transaction.ts';
import { requireOrganisationRole } from '../platform/auth/policy.ts';
import { hasRole, findUserById, listMembershipsOfUser } from '../platform/auth/auth.repository.ts';
import { findOrganisation, getOrganisation, organisationNames, searchOrganisations } from '../organisations/organisations.service.ts';
import * as repo from './voice.repository.ts';
import { canonicalEmail, countWords, normalisePostcode, normaliseTag } from './voice.rules.ts';
import { placeChoices, placesNamed, resolvePlace, type PlaceRef } from './voice.places.ts';
import { decisionTypes, FFT_RATINGS, type DecisionType, type FftRating } from './voice.table.ts';
import { noticeResponseToModerate, noticeStoryToAnswer, noticeStoryToModerate } from './voice.work.ts';

export const maxStoryWords = 1000;
export const maxStoryChars = 10_000;
/** A responder's answers are published without moderation once this many of theirs have been published. */
export const trustedResponderAfter = 10;

export const decisionTypeLabels: Record<DecisionType, string> = {
  involvement: 'Involvement-based: decided with the people who use it',
  'joined-up': 'Joined-up: decided together by the organisations involved',
  technical: 'Technical: decided by professionals on the evidence',
  framework: 'Framework: decided within a national or statutory framework',
};

/** Published reason codes for a story that is not published. */
export const storyRejectReasons = {
  'not-about-a-service': 'Not about a service',
  'identifies-people': 'Would identify someone and could not be edited safely',
  offensive: 'Offensive or abusive',
  advert: 'An advert or spam',
  duplicate: 'A duplicate of another story',
  'legal-or-complaint': 'Needs a formal complaint or legal route instead',
} as const;
export type StoryRejectReason = keyof typeof storyRejectReasons;

export const responseRejectReasons = {
  'not-a-response': 'Does not answer the story',
  'identifies-people': 'Would identify someone',
  offensive: 'Offensive or abusive',
  advert: 'An advert or spam',
} as const;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (s: unknown): s is string => typeof s === 'string' && uuidPattern.test(s.trim());
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

// ---------------------------------------------------------------------------------------------------------
// Moderators

/** True if the actor may moderate stories, responses and petitions. */
export async function isModerator(db: Db, actor: Actor): Promise<boolean> {
  if (actor.isAdmin) return true;
  if (!actor.userId) return false;
  const org = await repo.moderatingOrganisation(db);
  return !!org && (await hasRole(db, actor.userId, org, ['moderator']));
}

export async function requireModerator(db: Db, actor: Actor): Promise<void> {
  if (!actor.userId && !actor.isAdmin) throw new AppError('unauthenticated');
  if (!(await isModerator(db, actor))) throw new AppError('forbidden', 'Only moderators can do this');
}

/** Designates the organisation whose moderators moderate voice. Site administrators only. */
export async function setModeratingOrganisation(db: Db, actor: Actor, ref: string) {
  if (!actor.isAdmin) throw new AppError('forbidden', 'Only a site administrator can choose who moderates');
  return inTransaction(db, async (trx) => {
    const org = await getOrganisation(trx, ref);
    const before = await repo.moderatingOrganisation(trx);
    await repo.setModeratingOrganisation(trx, org.id);
    await recordAudit(trx, actor, { action: 'voice.moderators.set', entityType: 'voice_settings', entityId: 'moderators', organisationId: org.id, before: { organisationId: before }, after: { organisationId: org.id } });
    return { organisationId: org.id, name: org.name };
  });
}

export async function moderatingOrganisation(db: Db) {
  const id = await repo.moderatingOrganisation(db);
  return id ? findOrganisation(db, id) : null;
}

// ---------------------------------------------------------------------------------------------------------
// Services directory

export interface ServiceView {
  id: string; organisationId: string; organisationName: string; organisationSlug: string;
  /** False for an organisation a site administrator has not verified: shown with a "Not verified" tag. */
  organisationVerified: boolean; name: string; description: string;
  decisionType: DecisionType; decisionTypeLabel: string; areas: { code: string; kind: string; name: string }[];
}

/** Services in name order, a verified organisation's before an unverified namesake's (issue 14). */
function verifiedFirst<T extends { name: string; organisation_id: string }>(list: T[], orgs: Map<string, { verified: boolean }>): T[] {
  return [...list].sort((a, b) => a.name.localeCompare(b.name) || Number(orgs.get(b.organisation_id)?.verified ?? false) - Number(orgs.get(a.organisation_id)?.verified ?? false));
}

async function presentServices(db: Db, rows: repo.ServiceRow[]): Promise<ServiceView[]> {
  const names = await organisationNames(db, [...new Set(rows.map((r) => r.organisation_id))]);
  const areas = await repo.areasOfServices(db, rows.map((r) => r.id));
  // Where names collide, the service of a verified organisation comes first (issue 14).
  const firstOfName = new Map<string, number>();
  rows.forEach((r, i) => { if (!firstOfName.has(r.name)) firstOfName.set(r.name, i); });
  const sorted = rows.map((r, i) => ({ r, i, group: firstOfName.get(r.name)!, v: names.get(r.organisation_id)?.verified ? 0 : 1 }))
    .sort((a, b) => a.group - b.group || a.v - b.v || a.i - b.i).map((x) => x.r);
  return sorted.map((r) => ({
    id: r.id, organisationId: r.organisation_id, organisationName: names.get(r.organisation_id)?.name ?? '', organisationSlug: names.get(r.organisation_id)?.slug ?? '',
    organisationVerified: names.get(r.organisation_id)?.verified ?? false,
    name: r.name, description: r.description, decisionType: r.decision_type, decisionTypeLabel: decisionTypeLabels[r.decision_type],
    areas: areas.filter((a) => a.service_id === r.id).map((a) => ({ code: a.area_code, kind: a.area_kind, name: a.area_name })),
  }));
}

export interface ServiceInput { organisation?: unknown; name?: unknown; description?: unknown; decisionType?: unknown; areas?: unknown }

async function readService(db: Db, input: ServiceInput) {
  const check = new Checker();
  const name = check.text(input.name, 'name', 'the service’s name', { max: 200 });
  const description = check.text(input.description, 'description', 'a description', { max: 2000, optional: true });
  const decisionType = check.oneOf(input.decisionType, 'decisionType', 'how decisions about the service are made', decisionTypes);
  // One place a line (or comma): a local authority, ward or small area by name, a postcode, or a code; a list
  // of codes separated by spaces is read as it always was.
  const text = Array.isArray(input.areas) ? input.areas.filter((c): c is string => typeof c === 'string').join('\n') : typeof input.areas === 'string' ? input.areas : '';
  const tokens = text.trim().split(/\s+/);
  const entries = (tokens.every((t) => /^[A-Z][0-9]{8}$/i.test(t)) ? tokens : text.split(/[\n,;]+/)).map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length === 0) check.fail('areas', 'Give at least one area the service covers: a local authority or ward, like Newcastle upon Tyne or Byker');
  if (entries.length > 50) check.fail('areas', 'Give at most 50 areas');
  const areas: PlaceRef[] = [];
  const problems: string[] = [];
  for (const entry of entries.slice(0, 50)) {
    const found = await placesNamed(db, entry);
    if ('problem' in found) problems.push(found.problem);
    else for (const place of found.places) if (!areas.some((a) => a.code === place.code)) areas.push(place);
  }
  if (problems.length) check.fail('areas', problems.slice(0, 3).join('. ') + (problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''));
  if (areas.length > 500) check.fail('areas', 'Those places hold more than 500 small areas: name the local authorities instead');
  check.done();
  return { name, description, decisionType, areas };
}

/** Adds a service to the directory for an organisation; its administrators and staff may. */
export async function createService(db: Db, actor: Actor, input: ServiceInput): Promise<ServiceView> {
  if (!actor.userId && !actor.isAdmin) throw new AppError('unauthenticated');
  const orgRef = typeof input.organisation === 'string' ? input.organisation : '';
  const org = await findOrganisation(db, orgRef);
  if (!org) throw AppError.validation([{ field: 'organisation', message: 'Choose the organisation that runs the service' }]);
  await requireOrganisationRole(db, actor, org.id, ['admin', 'staff']);
  const v = await readService(db, input);
  return inTransaction(db, async (trx) => {
    if (await repo.findServiceByName(trx, org.id, v.name)) {
      throw new AppError('conflict', `${org.name} already has a service called ${v.name}`, { fieldErrors: [{ field: 'name', message: `${org.name} already has a service with this name` }] });
    }
    const row = await repo.insertService(trx, { organisationId: org.id, name: v.name, description: v.description, decisionType: v.decisionType });
    await repo.replaceServiceAreas(trx, row, v.areas);
    const [view] = await presentServices(trx, [row]);
    await recordAudit(trx, actor, { action: 'voice.service.created', entityType: 'voice_service', entityId: row.id, organisationId: org.id, after: view });
    return view!;
  });
}

/** Changes a service's details and areas; its organisation's administrators and staff may. */
export async function updateService(db: Db, actor: Actor, id: string, input: ServiceInput): Promise<ServiceView> {
  const row = isUuid(id) ? await repo.findService(db, id.toLowerCase()) : null;
  if (!row) throw new AppError('not_found', 'No such service');
  await requireOrganisationRole(db, actor, row.organisation_id, ['admin', 'staff']);
  const v = await readService(db, input);
  return inTransaction(db, async (trx) => {
    const [before] = await presentServices(trx, [row]);
    const other = await repo.findServiceByName(trx, row.organisation_id, v.name);
    if (other && other.id !== row.id) throw new AppError('conflict', 'Another service of this organisation has that name', { fieldErrors: [{ field: 'name', message: 'Another service of this organisation has this name' }] });
    const updated = await repo.updateService(trx, row, { name: v.name, description: v.description, decisionType: v.decisionType });
    await repo.replaceServiceAreas(trx, updated, v.areas);
    const [after] = await presentServices(trx, [updated]);
    await recordAudit(trx, actor, { action: 'voice.service.updated', entityType: 'voice_service', entityId: row.id, organisationId: row.organisation_id, before, after });
    return after!;
  });
}

export async function getService(db: Db, id: string): Promise<ServiceView> {
  const row = isUuid(id) ? await repo.findService(db, id.toLowerCase()) : null;
  if (!row) throw new AppError('not_found', 'No such service');
  return (await presentServices(db, [row]))[0]!;
}

export async function listServices(db: Db, filter: { organisation?: string; area?: string } = {}): Promise<ServiceView[]> {
  let organisationId: string | undefined;
  if (filter.organisation) {
    const org = await findOrganisation(db, filter.organisation);
    if (!org) return [];
    organisationId = org.id;
  }
  return presentServices(db, await repo.listServices(db, { organisationId, area: filter.area?.trim().toUpperCase() || undefined }));
}

/**
 * One page of the directory's services by name, optionally those whose name contains the text or whose provider
 * the organisations' search finds by it (its first 100): for long lists (the scorecards' list of 10,000). Reads
 * only the page's services, never the whole directory.
 */
export async function listServicesPage(db: Db, input: { q?: string; page?: number; pageSize?: number }): Promise<{ total: number; page: number; pageSize: number; services: ServiceView[] }> {
  const pageSize = Math.min(Math.max(Math.floor(input.pageSize ?? 50), 1), 200);
  const page = Math.max(Math.floor(input.page ?? 1), 1);
  const text = input.q?.trim().slice(0, 200) || undefined;
  const organisationIds = text ? (await searchOrganisations(db, { q: text, pageSize: 100 })).items.map((o) => o.id) : [];
  const { total, rows } = await repo.servicesPage(db, { text, organisationIds, limit: pageSize, offset: (page - 1) * pageSize });
  return { total, page, pageSize, services: await presentServices(db, rows) };
}

/** May the actor manage the organisation's services (and answer stories about them)? */
export async function isStaffOf(db: Db, actor: Actor, organisationId: string): Promise<boolean> {
  return actor.isAdmin || (!!actor.userId && (await hasRole(db, actor.userId, organisationId, ['admin', 'staff'])));
}

/** Tags on published stories, with how many stories carry each. */
export async function storyTags(db: Db) {
  return (await repo.allTags(db)).map((t) => ({ tag: t.tag, n: Number(t.n) }));
}

export async function coveredAreas(db: Db) {
  return (await repo.coveredAreas(db)).map((a) => ({ code: a.area_code, name: a.area_name, kind: a.area_kind }));
}

// ---------------------------------------------------------------------------------------------------------
// Stories

export interface ResponseView {
  id: string; storyId: string; organisationId: string; organisationName: string; organisationVerified: boolean; responderName: string; body: string;
  claimsChange: boolean; changeConfirmed: boolean; status: 'pending' | 'published' | 'rejected'; rejectReason: string | null;
  publishedAt: string | null; createdAt: string;
}

export interface StoryView {
  id: string; title: string; body: string; pseudonym: string; status: 'pending' | 'published' | 'rejected';
  rejectReason: string | null; rejectReasonLabel: string | null; assisted: boolean; meToo: number;
  submittedAt: string; publishedAt: string | null;
  services: { id: string; name: string; organisationId: string; organisationName: string; organisationVerified: boolean }[];
  tags: string[];
  responses: ResponseView[];
  /** Staff-only: shown to moderators and to staff of an organisation the story is about; null otherwise. */
  criticality: number | null;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function presentResponse(r: repo.ResponseRow, orgNames: Map<string, { name: string; verified: boolean }>): ResponseView {
  return {
    id: r.id, storyId: r.story_id, organisationId: r.organisation_id, organisationName: orgNames.get(r.organisation_id)?.name ?? '',
    organisationVerified: orgNames.get(r.organisation_id)?.verified ?? false,
    responderName: r.responder_name, body: r.body, claimsChange: r.claims_change, changeConfirmed: r.change_confirmed_at !== null,
    status: r.status, rejectReason: r.reject_reason, publishedAt: iso(r.published_at), createdAt: iso(r.created_at)!,
  };
}

/**
 * Stories as a given reader may see them. `moderator` sees everything; `staffOf` (organisation ids where the
 * reader is staff) adds criticality for stories about those organisations and those organisations' unpublished
 * responses; everyone else sees only published responses and no criticality.
 */
async function presentStories(db: Db, rows: repo.StoryRow[], reader: { moderator: boolean; staffOf: Set<string> }): Promise<StoryView[]> {
  const ids = rows.map((r) => r.id);
  const [services, tags, responses] = await Promise.all([
    repo.servicesOfStories(db, ids), repo.tagsOfStories(db, ids), repo.responsesOfStories(db, ids),
  ]);
  // Unpublished responses: moderators see all; staff see their own organisation's (marked as not published).
  const visible = responses.filter((x) => x.status === 'published' || reader.moderator || reader.staffOf.has(x.organisation_id));
  const orgNames = await organisationNames(db, [...new Set([...services.map((s) => s.organisation_id), ...responses.map((r) => r.organisation_id)])]);
  return rows.map((r) => {
    const mine = verifiedFirst(services.filter((s) => s.story_id === r.id), orgNames);
    const staff = mine.some((s) => reader.staffOf.has(s.organisation_id));
    return {
      id: r.id, title: r.title, body: r.body, pseudonym: r.pseudonym, status: r.status, rejectReason: r.reject_reason,
      rejectReasonLabel: r.reject_reason ? storyRejectReasons[r.reject_reason as StoryRejectReason] ?? r.reject_reason : null,
      assisted: r.assisted_by !== null, meToo: r.me_too, submittedAt: iso(r.submitted_at)!, publishedAt: iso(r.published_at),
      services: mine.map((s) => ({ id: s.id, name: s.name, organisationId: s.organisation_id, organisationName: orgNames.get(s.organisation_id)?.name ?? '', organisationVerified: orgNames.get(s.organisation_id)?.verified ?? false })),
      tags: tags.filter((t) => t.story_id === r.id).map((t) => t.tag),
      responses: visible.filter((x) => x.story_id === r.id).map((x) => presentResponse(x, orgNames)),
      criticality: reader.moderator || staff ? r.criticality : null,
    };
  });
}

async function readerOf(db: Db, actor: Actor) {
  const moderator = await isModerator(db, actor);
  const staffOf = new Set<string>();
  if (actor.userId) for (const m of await listMembershipsOfUser(db, actor.userId)) if (m.role === 'admin' || m.role === 'staff') staffOf.add(m.organisationId);
  return { moderator, staffOf };
}

export interface StoryInput {
  title?: unknown; body?: unknown; pseudonym?: unknown; email?: unknown; postcode?: unknown; services?: unknown;
  /** Staff submitting on someone's behalf (recorded as assisted; email then optional). */
  assisted?: unknown;
  /** Optional answer to the Friends and Family Test question: one of FFT_RATINGS. */
  rating?: unknown;
}

function readBody(check: Checker, input: unknown, field: string, label: string): string {
  const body = check.text(input, field, label, { max: maxStoryChars });
  if (body && countWords(body) > maxStoryWords) check.fail(field, `${label.charAt(0).toUpperCase()}${label.slice(1)} must be ${maxStoryWords.toLocaleString('en-GB')} words or fewer (it has ${countWords(body).toLocaleString('en-GB')})`);
  return body;
}

/**
 * Takes a story for moderation. Nothing is public until a moderator publishes it. The email address and
 * postcode are kept private (moderators use them to ask about the story and the author to confirm a change).
 */
export async function submitStory(db: Db, actor: Actor, input: StoryInput, options: { baseUrl: string }): Promise<{ id: string; status: 'pending' }> {
  const check = new Checker();
  const assisted = input.assisted === true || input.assisted === 'yes';
  const title = check.text(input.title, 'title', 'a title for your story', { max: 150 });
  const body = readBody(check, input.body, 'body', 'your story');
  const pseudonym = check.text(input.pseudonym, 'pseudonym', 'the name to show with your story', { max: 60 });
  let email: string | null = null;
  if (!assisted || (typeof input.email === 'string' && input.email.trim() !== '')) email = check.email(input.email);
  let postcode: string | null = null;
  if (typeof input.postcode === 'string' && input.postcode.trim() !== '') {
    postcode = normalisePostcode(input.postcode);
    if (!postcode) check.fail('postcode', 'Enter a real UK postcode, like NE1 4ST, or leave it blank');
  }
  const serviceIds = [...new Set((Array.isArray(input.services) ? input.services : typeof input.services === 'string' ? [input.services] : []).filter(isUuid).map((s) => s.toLowerCase()))];
  if (serviceIds.length === 0) check.fail('services', 'Choose the service your story is about');
  if (serviceIds.length > 10) check.fail('services', 'Choose at most 10 services');
  const services = serviceIds.length ? await repo.listServices(db, { ids: serviceIds.slice(0, 10) }) : [];
  if (serviceIds.length && services.length !== Math.min(serviceIds.length, 10)) check.fail('services', 'Choose services from the list');
  const rating = readRating(check, input.rating);
  check.done();
  if (assisted) {
    if (!actor.userId && !actor.isAdmin) throw new AppError('unauthenticated', 'Sign in to submit a story on someone’s behalf');
    const staff = await Promise.all(services.map((s) => isStaffOf(db, actor, s.organisation_id)));
    if (!staff.some(Boolean)) throw new AppError('forbidden', 'Only staff of an organisation the story is about can submit it on someone’s behalf');
  }
  return inTransaction(db, async (trx) => {
    const story = await repo.insertStory(trx, { title, body, pseudonym, authorEmail: email, authorPostcode: postcode, assistedBy: assisted ? actor.userId : null, fftRating: rating });
    await repo.linkStoryServices(trx, story.id, services);
    await recordAudit(trx, actor, { action: 'voice.story.submitted', entityType: 'voice_story', entityId: story.id, after: { title, pseudonym, services: serviceIds, assisted, rating } });
    await noticeStoryToModerate(trx, story, options.baseUrl);
    if (email) {
      await enqueueEmail(trx, {
        to: email, kind: 'voice-story-received', subject: 'We have your story',
        text: `Thank you for telling your story, "${title}".\n\nA moderator will read it before it is published. You can see it here once it is:\n\n${options.baseUrl}/voice/stories/${story.id}\n`,
      });
    }
    return { id: story.id, status: 'pending' as const };
  });
}

/**
 * One story as the actor may see it. Anyone sees a published story; a rejected one shows only its published
 * reason code; a pending one is not found, except by moderators (who see everything).
 */
export async function getStory(db: Db, actor: Actor, id: string): Promise<StoryView> {
  const row = isUuid(id) ? await repo.findStory(db, id.toLowerCase()) : null;
  const reader = await readerOf(db, actor);
  if (!row || (row.status === 'pending' && !reader.moderator)) throw new AppError('not_found', 'No published story has that id');
  const [view] = await presentStories(db, [row], reader);
  if (row.status === 'rejected' && !reader.moderator) {
    return { ...view!, title: 'Story not published', body: '', pseudonym: '', tags: [], responses: [], criticality: null, services: [] };
  }
  return view!;
}

export interface StorySearch { q?: string; service?: string; organisation?: string; area?: string; tag?: string; page?: number; pageSize?: number }

/** Published stories, newest first, with full-text search and filters by service, organisation, area and tag. */
export async function searchStories(db: Db, actor: Actor, input: StorySearch) {
  const pageSize = Math.min(Math.max(input.pageSize ?? 20, 1), 100);
  const page = Math.max(input.page ?? 1, 1);
  let organisationId: string | undefined;
  if (input.organisation) {
    const org = await findOrganisation(db, input.organisation);
    if (!org) return { total: 0, page, pageSize, items: [] as StoryView[] };
    organisationId = org.id;
  }
  if (input.service && !isUuid(input.service)) return { total: 0, page, pageSize, items: [] as StoryView[] };
  const tag = input.tag ? normaliseTag(input.tag) ?? undefined : undefined;
  const { total, items } = await repo.searchStories(db, {
    status: 'published', q: input.q?.trim().slice(0, 200) || undefined, serviceId: input.service?.toLowerCase(), organisationId,
    area: input.area?.trim().toUpperCase().slice(0, 12) || undefined, tag, limit: pageSize, offset: (page - 1) * pageSize,
  });
  return { total, page, pageSize, items: await presentStories(db, items, await readerOf(db, actor)) };
}

/** The moderation queue: stories waiting, oldest first, and responses waiting. Moderators only. */
export async function moderationQueue(db: Db, actor: Actor) {
  await requireModerator(db, actor);
  const stories = await repo.searchStories(db, { status: 'pending', limit: 100 });
  const responses = await repo.pendingResponses(db, 100);
  const storyTitles = new Map((await Promise.all([...new Set(responses.map((r) => r.story_id))].map((id) => repo.findStory(db, id)))).filter((s) => s).map((s) => [s!.id, s!.title]));
  const orgNames = await organisationNames(db, [...new Set(responses.map((r) => r.organisation_id))]);
  return {
    stories: await presentStories(db, stories.items, { moderator: true, staffOf: new Set() }),
    responses: responses.map((r) => ({ ...presentResponse(r, orgNames), storyTitle: storyTitles.get(r.story_id) ?? '' })),
  };
}

/** A story with its private details and every moderation action on it, original text included. Moderators only. */
export async function storyForModeration(db: Db, actor: Actor, id: string) {
  await requireModerator(db, actor);
  const row = isUuid(id) ? await repo.findStory(db, id.toLowerCase()) : null;
  if (!row) throw new AppError('not_found', 'No such story');
  const [view] = await presentStories(db, [row], { moderator: true, staffOf: new Set() });
  // The story's own log, then its responses' (their text before and after moderation), oldest first.
  const responseIds = (await repo.responsesOfStories(db, [row.id])).map((r) => r.id);
  const log = [...await repo.moderationLog(db, 'story', [row.id]), ...(await repo.moderationLog(db, 'response', responseIds)).map((l) => ({ ...l, action: `response ${l.action}` }))]
    .sort((a, b) => Number(a.id) - Number(b.id));
  const assistedBy = row.assisted_by ? await findUserById(db, row.assisted_by) : null;
  return {
    story: view!, authorEmail: row.author_email, authorPostcode: row.author_postcode, assistedBy: assistedBy?.name ?? null,
    log: log.map((l) => ({ action: l.action, moderator: l.moderator_name ?? 'The platform', at: iso(l.at)!, before: l.before, after: l.after })),
  };
}

export interface ModerateStoryInput { decision?: unknown; title?: unknown; body?: unknown; tags?: unknown; criticality?: unknown; reason?: unknown }

/**
 * A moderator's decision on a story: publish (possibly edited), reject with a published reason code, or save
 * edits, tags and criticality. The text before and after is kept in the moderation log.
 */
export async function moderateStory(db: Db, actor: Actor, id: string, input: ModerateStoryInput, options: { baseUrl: string }): Promise<StoryView> {
  await requireModerator(db, actor);
  const check = new Checker();
  const decision = check.oneOf(input.decision, 'decision', 'what to do with the story', ['publish', 'reject', 'save'] as const);
  const title = input.title === undefined ? undefined : check.text(input.title, 'title', 'a title', { max: 150 });
  const body = input.body === undefined ? undefined : readBody(check, input.body, 'body', 'the story');
  const tagList = input.tags === undefined ? undefined : (Array.isArray(input.tags) ? input.tags : String(input.tags).split(','))
    .map((t) => normaliseTag(String(t))).filter((t): t is string => t !== null);
  if (tagList && tagList.length > 10) check.fail('tags', 'Give at most 10 tags');
  let criticality: number | null | undefined;
  if (input.criticality !== undefined) {
    const c = typeof input.criticality === 'string' ? (input.criticality.trim() === '' ? null : Number(input.criticality)) : input.criticality;
    if (c !== null && (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > 5)) check.fail('criticality', 'Choose a criticality from 0 (not critical) to 5 (severely critical)');
    else criticality = c as number | null;
  }
  let reason: StoryRejectReason | null = null;
  if (decision === 'reject') reason = check.oneOf(input.reason, 'reason', 'a reason code', Object.keys(storyRejectReasons) as StoryRejectReason[]);
  check.done();
  const moderatorActor = actor;
  const result = await inTransaction(db, async (trx) => {
    const row = isUuid(id) ? await repo.findStory(trx, id.toLowerCase(), { forUpdate: true }) : null;
    if (!row) throw new AppError('not_found', 'No such story');
    const beforeTags = (await repo.tagsOfStories(trx, [row.id])).map((t) => t.tag);
    const before = { title: row.title, body: row.body, status: row.status, criticality: row.criticality, tags: beforeTags, rejectReason: row.reject_reason };
    const change: Parameters<typeof repo.updateStory>[2] = {};
    if (title !== undefined && title !== row.title) change.title = title;
    if (body !== undefined && body !== row.body) change.body = body;
    if (criticality !== undefined) change.criticality = criticality;
    const firstPublication = decision === 'publish' && row.status !== 'published';
    if (decision === 'publish') { change.status = 'published'; change.reject_reason = null; if (!row.published_at) change.published_at = new Date(); }
    if (decision === 'reject') { change.status = 'rejected'; change.reject_reason = reason; }
    const updated = Object.keys(change).length ? await repo.updateStory(trx, row.id, change) : row;
    if (tagList) await repo.replaceTags(trx, row.id, [...new Set(tagList)]);
    const after = { title: updated.title, body: updated.body, status: updated.status, criticality: updated.criticality, tags: tagList ?? beforeTags, rejectReason: updated.reject_reason };
    await repo.logModeration(trx, { subjectType: 'story', subjectId: row.id, action: decision, moderatorUserId: moderatorActor.userId, before, after });
    // The audit log records that a moderation happened; the text itself stays in the moderators' log.
    await recordAudit(trx, moderatorActor, { action: `voice.story.${decision === 'save' ? 'edited' : decision === 'publish' ? 'published' : 'rejected'}`, entityType: 'voice_story', entityId: row.id, before: { status: before.status }, after: { status: after.status, rejectReason: after.rejectReason } });
    if (decision === 'reject' && row.author_email && row.status !== 'rejected') {
      await enqueueEmail(trx, { to: row.author_email, kind: 'voice-story-rejected', subject: 'Your story was not published', text: `Thank you for your story, "${row.title}". A moderator decided not to publish it, for this reason: ${storyRejectReasons[reason!]}.\n` });
    }
    if (firstPublication) {
      if (row.author_email) {
        await enqueueEmail(trx, { to: row.author_email, kind: 'voice-story-published', subject: 'Your story is published', text: `Your story, "${updated.title}", is published:\n\n${options.baseUrl}/voice/stories/${row.id}\n\nYou will be emailed when the service responds.\n` });
      }
      await alertSubscribers(trx, updated, { kind: 'story', baseUrl: options.baseUrl });
      await noticeStoryToAnswer(trx, updated, options.baseUrl);
    }
    return updated;
  });
  return (await presentStories(db, [result], { moderator: true, staffOf: new Set() }))[0]!;
}

/**
 * "Me too": once per person per published story. A person is a mailbox: the canonical form of the address
 * (platform/email.ts), so a signed-in person and the same person confirming by email count once, and fresh
 * browser sessions count nothing. A signed-in person counts at once; anyone else gives an email address and
 * counts when they follow the link sent to it (`requestMeToo`, `confirmMeToo`), like a petition signature.
 */
export async function meToo(db: Db, actor: Actor, storyId: string): Promise<{ meToo: number; counted: boolean }> {
  if (!actor.userId) throw new AppError('unauthenticated', 'Sign in, or give your email address, to say “me too”');
  const user = await findUserById(db, actor.userId);
  if (!user) throw new AppError('unauthenticated');
  return inTransaction(db, async (trx) => {
    const row = await publishedStory(trx, storyId);
    const counted = await repo.recordMeToo(trx, row.id, meTooVoter(user.email));
    if (counted) await recordAudit(trx, actor, { action: 'voice.story.me_too', entityType: 'voice_story', entityId: row.id, organisationId: null, after: { via: 'signed-in' } });
    return { meToo: (await repo.findStory(trx, row.id))!.me_too, counted };
  });
}

function meTooVoter(email: string): string {
  return sha256(`voice-me-too:email:${canonicalEmail(email)}`);
}

async function publishedStory(db: Db, storyId: string) {
  const row = isUuid(storyId) ? await repo.findStory(db, storyId.toLowerCase()) : null;
  if (!row || row.status !== 'published') throw new AppError('not_found', 'No published story has that id');
  return row;
}

/**
 * A "me too" from someone not signed in: emails a link to the address given; nothing counts until it is
 * followed. The same answer whether or not that mailbox has already counted (nothing is revealed).
 */
export async function requestMeToo(db: Db, actor: Actor, storyId: string, input: { email?: unknown }, options: { baseUrl: string }): Promise<void> {
  const check = new Checker();
  const email = check.email(input.email);
  check.done();
  await inTransaction(db, async (trx) => {
    const row = await publishedStory(trx, storyId);
    const token = randomBytes(24).toString('base64url');
    await repo.insertMeTooRequest(trx, { tokenHash: sha256(token), storyId: row.id, voterHash: meTooVoter(email) });
    await recordAudit(trx, actor, { action: 'voice.story.me_too_requested', entityType: 'voice_story', entityId: row.id, organisationId: null });
    await enqueueEmail(trx, {
      to: email, kind: 'voice-me-too-confirm', subject: 'Confirm your “me too”',
      text: `You said “me too” to the story “${row.title}”. To have it counted, follow this link and press the button:\n\n${options.baseUrl}/voice/me-too/confirm?token=${token}\n\nIf this was not you, ignore this email: nothing is counted.\n`,
    });
  });
}

/** The "me too" a link confirms, for its page (null: no such link). */
export async function meTooToConfirm(db: Db, token: string): Promise<{ storyId: string; storyTitle: string; confirmed: boolean } | null> {
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(token)) return null;
  const request = await repo.findMeTooRequest(db, sha256(token));
  if (!request) return null;
  const story = await repo.findStory(db, request.story_id);
  return story ? { storyId: story.id, storyTitle: story.title, confirmed: request.confirmed_at !== null } : null;
}

/** Follows an emailed "me too" link: counts it once per mailbox per story, however often it is followed. */
export async function confirmMeToo(db: Db, actor: Actor, token: string): Promise<{ storyId: string; meToo: number; counted: boolean }> {
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(token)) throw new AppError('not_found', 'That link is not valid');
  return inTransaction(db, async (trx) => {
    const request = await repo.claimMeTooRequest(trx, sha256(token));
    if (!request) throw new AppError('not_found', 'That link is not valid');
    const row = await publishedStory(trx, request.story_id);
    const counted = request.firstConfirmation ? await repo.recordMeToo(trx, row.id, request.voter_hash) : false;
    if (counted) await recordAudit(trx, actor, { action: 'voice.story.me_too', entityType: 'voice_story', entityId: row.id, organisationId: null, after: { via: 'email' } });
    return { storyId: row.id, meToo: (await repo.findStory(trx, row.id))!.me_too, counted };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Responses

export interface ResponseInput { organisation?: unknown; body?: unknown; claimsChange?: unknown }

/** The organisations on whose behalf the actor may answer a story (staff or admin of one of its services' organisations). */
export async function respondingOrganisations(db: Db, actor: Actor, storyId: string): Promise<{ id: string; name: string }[]> {
  if (!actor.userId && !actor.isAdmin) return [];
  const services = await repo.servicesOfStories(db, [storyId]);
  const orgIds = [...new Set(services.map((s) => s.organisation_id))];
  const allowed: string[] = [];
  for (const o of orgIds) if (await isStaffOf(db, actor, o)) allowed.push(o);
  const names = await organisationNames(db, allowed);
  return allowed.map((id) => ({ id, name: names.get(id)?.name ?? '' }));
}

/**
 * Staff answer a published story in public on behalf of their organisation, which must run a service the story
 * is about. The answer is moderated unless its author already has ten published answers; an answer that says
 * a change was made is always moderated, and once published the story's author is asked to confirm it.
 */
export async function respondToStory(db: Db, actor: Actor, storyId: string, input: ResponseInput, options: { baseUrl: string }): Promise<ResponseView> {
  if (!actor.userId && !actor.isAdmin) throw new AppError('unauthenticated');
  const check = new Checker();
  const body = readBody(check, input.body, 'body', 'your response');
  const claimsChange = input.claimsChange === true || input.claimsChange === 'yes';
  check.done();
  return inTransaction(db, async (trx) => {
    const story = isUuid(storyId) ? await repo.findStory(trx, storyId.toLowerCase()) : null;
    if (!story || story.status !== 'published') throw new AppError('not_found', 'No published story has that id');
    const allowed = await respondingOrganisations(trx, actor, story.id);
    const wanted = typeof input.organisation === 'string' && input.organisation.trim() ? input.organisation.trim().toLowerCase() : allowed[0]?.id;
    const services = await repo.servicesOfStories(trx, [story.id]);
    if (!wanted || !services.some((s) => s.organisation_id === wanted)) {
      throw new AppError('forbidden', 'Only staff of an organisation whose service this story is about can respond to it');
    }
    await requireOrganisationRole(trx, actor, wanted, ['admin', 'staff']);
    const user = actor.userId ? await findUserById(trx, actor.userId) : null;
    const trusted = !claimsChange && !!actor.userId && (await repo.publishedResponseCount(trx, actor.userId)) >= trustedResponderAfter;
    const response = await repo.insertResponse(trx, {
      organisationId: wanted, storyId: story.id, responderUserId: actor.userId, responderName: user?.name ?? 'Staff', body, claimsChange,
      status: trusted ? 'published' : 'pending', publishedAt: trusted ? new Date() : null,
    });
    await recordAudit(trx, actor, { action: 'voice.response.submitted', entityType: 'voice_response', entityId: response.id, organisationId: wanted, after: { storyId: story.id, claimsChange, status: response.status } });
    if (trusted) await afterResponsePublished(trx, story, response, options.baseUrl);
    else await noticeResponseToModerate(trx, response, story, options.baseUrl);
    const names = await organisationNames(trx, [wanted]);
    return presentResponse(response, names);
  });
}

async function afterResponsePublished(trx: Db, story: repo.StoryRow, response: repo.ResponseRow, baseUrl: string): Promise<void> {
  let confirmLink = '';
  if (response.claims_change && story.author_email) {
    const token = randomBytes(24).toString('base64url');
    await repo.updateResponse(trx, response, { confirm_token_hash: sha256(token) });
    confirmLink = `\n\nThe response says a change was made. If you agree that it was, please confirm it here; the response will then show "change confirmed by author":\n\n${baseUrl}/voice/responses/confirm?token=${token}`;
  }
  if (story.author_email) {
    await enqueueEmail(trx, {
      to: story.author_email, kind: 'voice-response-published', subject: 'A service has responded to your story',
      text: `${response.responder_name} has responded to your story, "${story.title}":\n\n${baseUrl}/voice/stories/${story.id}#response-${response.id}${confirmLink}\n`,
    });
  }
  await alertSubscribers(trx, story, { kind: 'response', baseUrl, responseId: response.id });
}

/** A moderator publishes (possibly edited) or rejects a response. */
export async function moderateResponse(db: Db, actor: Actor, id: string, input: { decision?: unknown; body?: unknown; reason?: unknown }, options: { baseUrl: string }): Promise<ResponseView> {
  await requireModerator(db, actor);
  const check = new Checker();
  const decision = check.oneOf(input.decision, 'decision', 'what to do with the response', ['publish', 'reject'] as const);
  const body = input.body === undefined || input.body === '' ? undefined : readBody(check, input.body, 'body', 'the response');
  const reason = decision === 'reject' ? check.oneOf(input.reason, 'reason', 'a reason code', Object.keys(responseRejectReasons) as (keyof typeof responseRejectReasons)[]) : null;
  check.done();
  return inTransaction(db, async (trx) => {
    const row = isUuid(id) ? await repo.findResponse(trx, id.toLowerCase(), { forUpdate: true }) : null;
    if (!row) throw new AppError('not_found', 'No such response');
    if (row.status !== 'pending') throw new AppError('conflict', 'That response has already been moderated');
    const updated = await repo.updateResponse(trx, row, decision === 'publish'
      ? { status: 'published', published_at: new Date(), ...(body !== undefined ? { body } : {}) }
      : { status: 'rejected', reject_reason: reason });
    await repo.logModeration(trx, { subjectType: 'response', subjectId: row.id, action: decision, moderatorUserId: actor.userId, before: { body: row.body, status: row.status }, after: { body: updated.body, status: updated.status, rejectReason: updated.reject_reason } });
    await recordAudit(trx, actor, { action: `voice.response.${decision === 'publish' ? 'published' : 'rejected'}`, entityType: 'voice_response', entityId: row.id, organisationId: row.organisation_id, before: { status: row.status }, after: { status: updated.status } });
    if (decision === 'publish') {
      const story = (await repo.findStory(trx, row.story_id))!;
      await afterResponsePublished(trx, story, updated, options.baseUrl);
    }
    return presentResponse(updated, await organisationNames(trx, [row.organisation_id]));
  });
}

/** What the confirmation page shows for a token (null when the link is not valid). */
export async function changeToConfirm(db: Db, token: string) {
  if (typeof token !== 'string' || token.length < 20 || token.length > 100) return null;
  const r = await repo.findResponseByToken(db, sha256(token));
  if (!r || r.status !== 'published') return null;
  const story = (await repo.findStory(db, r.story_id))!;
  return { responseId: r.id, storyId: story.id, storyTitle: story.title, body: r.body, confirmed: r.change_confirmed_at !== null };
}

/** The story's author confirms, through the emailed link, that the change a response describes was made. */
export async function confirmChange(db: Db, actor: Actor, token: unknown): Promise<{ storyId: string; responseId: string }> {
  if (typeof token !== 'string' || token.length < 20 || token.length > 100) throw new AppError('not_found', 'That confirmation link is not valid');
  return inTransaction(db, async (trx) => {
    const r = await repo.findResponseByToken(trx, sha256(token));
    if (!r || r.status !== 'published' || !r.claims_change) throw new AppError('not_found', 'That confirmation link is not valid');
    if (!r.change_confirmed_at) {
      await repo.updateResponse(trx, r, { change_confirmed_at: new Date() });
      await recordAudit(trx, actor, { action: 'voice.response.change_confirmed', entityType: 'voice_response', entityId: r.id, organisationId: r.organisation_id, after: { changeConfirmed: true } });
    }
    return { storyId: r.story_id, responseId: r.id };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Metrics and feeds

/**
 * Demo seed only (site administrators and the system): marks a published story as an example invented for the
 * demonstration and backdates it and its responses, so the demo's answering records look like real ones would
 * (stories over weeks, answers after hours or days) while every page showing them says they include examples.
 */
export async function markExampleStory(db: Db, actor: Actor, storyId: string, times: {
  submittedAt: Date; publishedAt: Date; responses?: { id: string; createdAt: Date; publishedAt: Date }[];
}): Promise<void> {
  if (!actor.isAdmin) throw new AppError('forbidden', 'Only a site administrator can mark example stories');
  const now = Date.now();
  const inOrder = (a: Date, b: Date) => a.getTime() <= b.getTime() && b.getTime() <= now;
  if (!inOrder(times.submittedAt, times.publishedAt)) throw new AppError('unprocessable', 'An example story’s times must be in order and in the past');
  for (const r of times.responses ?? []) {
    if (!inOrder(times.publishedAt, r.createdAt) || !inOrder(r.createdAt, r.publishedAt)) throw new AppError('unprocessable', 'An example response’s times must follow its story’s and be in the past');
  }
  await inTransaction(db, async (trx) => {
    const story = isUuid(storyId) ? await repo.findStory(trx, storyId.toLowerCase()) : null;
    if (!story || story.status !== 'published') throw new AppError('not_found', 'No such published story');
    await repo.markExampleStory(trx, story.id, times);
    for (const r of times.responses ?? []) {
      const row = isUuid(r.id) ? await repo.findResponse(trx, r.id.toLowerCase()) : null;
      if (!row || row.story_id !== story.id || row.status !== 'published') throw new AppError('not_found', 'No such published response to that story');
      await repo.setResponseTimes(trx, row.id, r);
    }
    await recordAudit(trx, actor, { action: 'voice.story.marked_example', entityType: 'voice_story', entityId: story.id, before: { example: story.example, submittedAt: story.submitted_at, publishedAt: story.published_at }, after: { example: true, submittedAt: times.submittedAt, publishedAt: times.publishedAt, responses: times.responses ?? [] } });
  });
}

export interface OrganisationMetrics {
  /** exampleStories: how many of `stories` are examples invented for the demonstration. */
  stories: number; exampleStories: number; answered: number; shareAnswered: number | null; medianMinutesToFirstResponse: number | null;
  changesMade: number; changesConfirmed: number;
}

/** Published stories about an organisation's services, the share answered, the median time to a first published answer, changes made and confirmed. */
export async function organisationMetrics(db: Db, organisationRef: string): Promise<OrganisationMetrics & { organisation: { id: string; name: string; slug: string; verified: boolean } }> {
  const org = await getOrganisation(db, organisationRef);
  const m = await repo.organisationMetrics(db, org.id);
  return {
    organisation: { id: org.id, name: org.name, slug: org.slug, verified: org.verified },
    stories: m.stories, exampleStories: m.examples, answered: m.answered, shareAnswered: m.stories ? m.answered / m.stories : null,
    medianMinutesToFirstResponse: m.medianMinutes, changesMade: m.changes, changesConfirmed: m.confirmed,
  };
}

/** What one service's users said and how it answered them over a period (see serviceVoiceRecords). */
export interface ServiceVoiceRecord {
  serviceId: string;
  /** Published stories about the service in the period. */
  stories: number;
  /** Of them, those that answered the Friends and Family Test question, and the count of each answer. */
  rated: number;
  ratings: Record<FftRating, number>;
  answered: number;
  shareAnswered: number | null;
  medianMinutesToFirstResponse: number | null;
  changesClaimed: number;
  changesConfirmed: number;
}

/**
 * For each service, over stories published from `from` (inclusive) to `to` (exclusive): the Friends and Family
 * Test answers, the share answered by the service's organisation, the median time from publication to its first
 * published answer, and changes claimed in its answers and confirmed by the authors. Only published (moderated)
 * stories count. Services with no stories in the period get zeros. For the scorecards module.
 */
export async function serviceVoiceRecords(db: Db, input: { serviceIds: string[]; from: Date; to: Date }): Promise<ServiceVoiceRecord[]> {
  const ids = [...new Set(input.serviceIds.filter(isUuid).map((s) => s.toLowerCase()))];
  if (!(input.from < input.to)) throw AppError.validation([{ field: 'period', message: 'The period must end after it starts' }]);
  const rows = new Map((await repo.serviceVoiceRecords(db, ids, input.from, input.to)).map((r) => [r.service_id, r]));
  return ids.map((serviceId) => {
    const r = rows.get(serviceId);
    const n = (v: string | undefined) => Number(v ?? 0);
    const stories = n(r?.stories);
    const answered = n(r?.answered);
    return {
      serviceId, stories, rated: n(r?.rated),
      ratings: { 'very-good': n(r?.very_good), good: n(r?.good), neither: n(r?.neither), poor: n(r?.poor), 'very-poor': n(r?.very_poor), 'dont-know': n(r?.dont_know) },
      answered, shareAnswered: stories ? answered / stories : null,
      medianMinutesToFirstResponse: r?.median_minutes === null || r?.median_minutes === undefined ? null : Math.round(Number(r.median_minutes)),
      changesClaimed: n(r?.changes), changesConfirmed: n(r?.confirmed),
    };
  });
}

/**
 * Every service's records (as serviceVoiceRecords gives them) for each of several periods, in one statement: for
 * the scorecards' recompute of every service and year. Only services with stories in a period appear for it.
 */
export async function serviceVoiceRecordsByPeriod(db: Db, periods: { name: string; from: Date; to: Date }[]): Promise<(ServiceVoiceRecord & { organisationId: string; period: string })[]> {
  for (const p of periods) if (!(p.from < p.to)) throw AppError.validation([{ field: 'period', message: 'The period must end after it starts' }]);
  return (await repo.serviceVoiceRecordsByPeriod(db, periods)).map((r) => {
    const stories = Number(r.stories);
    const answered = Number(r.answered);
    return {
      serviceId: r.service_id, organisationId: r.organisation_id, period: r.period, stories, rated: Number(r.rated),
      ratings: { 'very-good': Number(r.very_good), good: Number(r.good), neither: Number(r.neither), poor: Number(r.poor), 'very-poor': Number(r.very_poor), 'dont-know': Number(r.dont_know) },
      answered, shareAnswered: stories ? answered / stories : null,
      medianMinutesToFirstResponse: r.median_minutes === null ? null : Math.round(Number(r.median_minutes)),
      changesClaimed: Number(r.changes), changesConfirmed: Number(r.confirmed),
    };
  });
}

/**
 * The same published stories as serviceVoiceRecords, counted by the author's postcode (null when none was
 * given): stories, Friends and Family Test answers, positive answers (very good or good) and stories answered
 * by the service's organisation. Aggregates only: for risk adjustment by deprivation in the scorecards module.
 */
export async function serviceVoiceByPostcode(db: Db, input: { serviceIds: string[]; from: Date; to: Date }): Promise<{ serviceId: string; postcode: string | null; stories: number; rated: number; positive: number; answered: number }[]> {
  const ids = [...new Set(input.serviceIds.filter(isUuid).map((s) => s.toLowerCase()))];
  if (!(input.from < input.to)) throw AppError.validation([{ field: 'period', message: 'The period must end after it starts' }]);
  return (await repo.serviceVoiceByPostcode(db, ids, input.from, input.to)).map((r) => ({
    serviceId: r.service_id, postcode: r.postcode, stories: Number(r.stories), rated: Number(r.rated), positive: Number(r.positive), answered: Number(r.answered),
  }));
}

/** Every service's id and organisation, cheaply (no areas or names): for the scorecards' recompute. */
export async function listServiceIds(db: Db): Promise<{ id: string; organisationId: string }[]> {
  return (await repo.listServices(db)).map((r) => ({ id: r.id, organisationId: r.organisation_id }));
}

export { FFT_RATINGS, type FftRating };

/** The Friends and Family Test answers as a story form offers them, best first. */
export const FFT_CHOICES: { value: FftRating; text: string }[] = [
  { value: 'very-good', text: 'Very good' }, { value: 'good', text: 'Good' }, { value: 'neither', text: 'Neither good nor poor' },
  { value: 'poor', text: 'Poor' }, { value: 'very-poor', text: 'Very poor' }, { value: 'dont-know', text: 'Don’t know' },
];

/** Reads an optional Friends and Family Test answer; anything off the scale is refused on `rating`. */
function readRating(check: Checker, input: unknown): FftRating | null {
  if (input === undefined || input === null || input === '') return null;
  if (typeof input === 'string' && (FFT_RATINGS as readonly string[]).includes(input)) return input as FftRating;
  check.fail('rating', `Choose how your experience was from the list (very good, good, neither good nor poor, poor, very poor, don’t know), or leave it unanswered`);
  return null;
}

export interface FeedScope { kind: 'all' | 'service' | 'organisation' | 'area' | 'tag'; value?: string }

/** The published stories and responses a feed carries (newest 50), with the feed's title. Never anything unpublished. */
export async function feedContent(db: Db, scope: FeedScope) {
  let title = 'Stories about services';
  const filter: Omit<repo.StoryFilter, 'status' | 'q'> = { limit: 50 };
  if (scope.kind === 'service') {
    const s = await getService(db, scope.value ?? '');
    title = `Stories about ${s.name} (${s.organisationName}${s.organisationVerified ? '' : ', not verified'})`;
    filter.serviceId = s.id;
  } else if (scope.kind === 'organisation') {
    const o = await getOrganisation(db, scope.value ?? '');
    title = `Stories about services of ${o.name}${o.verified ? '' : ' (not verified)'}`;
    filter.organisationId = o.id;
  } else if (scope.kind === 'area') {
    const code = (scope.value ?? '').toUpperCase();
    const place = /^[ES][0-9]{8}$/.test(code) ? await resolvePlace(db, code) : null;
    if (!place) throw new AppError('not_found', 'No local authority or small area has that code');
    title = `Stories about services in ${place.name}`;
    filter.area = place.code;
  } else if (scope.kind === 'tag') {
    const tag = normaliseTag(scope.value ?? '');
    if (!tag) throw new AppError('not_found', 'No such tag');
    title = `Stories tagged ${tag}`;
    filter.tag = tag;
  }
  const { stories, responses } = await repo.feedItems(db, filter);
  const services = await repo.servicesOfStories(db, stories.map((s) => s.id));
  const tags = await repo.tagsOfStories(db, stories.map((s) => s.id));
  // Each organisation named with its verification, so an impostor of a council's name is marked in feeds too.
  const orgs = await organisationNames(db, [...new Set([...services.map((x) => x.organisation_id), ...responses.map((r) => r.organisation_id)])]);
  const org = (id: string) => ({ name: orgs.get(id)?.name ?? '', verified: orgs.get(id)?.verified ?? false });
  return {
    title,
    stories: stories.map((s) => ({
      id: s.id, title: s.title, body: s.body, pseudonym: s.pseudonym, publishedAt: s.published_at!,
      services: verifiedFirst(services.filter((x) => x.story_id === s.id), orgs).map((x) => ({ name: x.name, organisation: org(x.organisation_id) })), tags: tags.filter((t) => t.story_id === s.id).map((t) => t.tag),
    })),
    responses: responses.map((r) => ({ id: r.id, storyId: r.story_id, storyTitle: r.story_title, responderName: r.responder_name, organisation: org(r.organisation_id), body: r.body, publishedAt: r.published_at! })),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Alerts

export const subscriptionScopes = ['all', 'service', 'organisation', 'area', 'tag'] as const;
export type SubscriptionScope = (typeof subscriptionScopes)[number];

/**
 * Subscribes a signed-in person to email alerts for new stories and responses in a scope. A minimum
 * criticality may be set only by moderators and by staff of the organisation (scope organisation or service).
 */
export async function subscribe(db: Db, actor: Actor, input: { scope?: unknown; value?: unknown; minCriticality?: unknown }) {
  if (!actor.userId) throw new AppError('unauthenticated', 'Sign in to set up email alerts');
  const check = new Checker();
  const scope = check.oneOf(input.scope, 'scope', 'what to be alerted about', subscriptionScopes);
  const rawValue = typeof input.value === 'string' ? input.value.trim().slice(0, 200) : '';
  let minCriticality: number | null = null;
  if (input.minCriticality !== undefined && input.minCriticality !== '' && input.minCriticality !== null) {
    const c = Number(input.minCriticality);
    if (!Number.isInteger(c) || c < 0 || c > 5) check.fail('minCriticality', 'Choose a criticality from 0 to 5');
    else minCriticality = c;
  }
  check.done();
  let value = '';
  let label = 'All new stories and responses';
  let organisationId: string | null = null;
  if (scope !== 'all') {
    const target = await alertTargets(db, scope, rawValue);
    if (target.choices.length !== 1) throw AppError.validation([{ field: 'value', message: target.choices.length ? `${target.choices.length} ${scopeWords[scope].many} match “${rawValue}”: choose one` : target.message }]);
    const chosen = target.choices[0]!;
    value = chosen.value; label = chosen.label; organisationId = chosen.organisationId;
  }
  if (minCriticality !== null && !(await isModerator(db, actor)) && !(organisationId && (await isStaffOf(db, actor, organisationId)))) {
    throw new AppError('forbidden', 'Only staff of the organisation and moderators can filter alerts by criticality', { fieldErrors: [{ field: 'minCriticality', message: 'Only staff of the organisation and moderators can filter by criticality' }] });
  }
  return inTransaction(db, async (trx) => {
    const row = await repo.insertSubscription(trx, { userId: actor.userId!, scope, value, label, minCriticality });
    await recordAudit(trx, actor, { action: 'voice.subscription.saved', entityType: 'voice_subscription', entityId: row.id, organisationId, after: { scope, value, minCriticality } });
    return { id: row.id, scope, value, label, minCriticality };
  });
}

export interface AlertTarget { value: string; label: string; organisationId: string | null }

const scopeWords: Record<Exclude<(typeof subscriptionScopes)[number], 'all'>, { many: string; none: string }> = {
  service: { many: 'services', none: 'Enter the name of a service, like Libraries' },
  organisation: { many: 'organisations', none: 'Enter the name of an organisation, like Newcastle City Council' },
  area: { many: 'places', none: 'Enter a postcode, like NE6 1AA, or the name of a place, like Byker or Gateshead' },
  tag: { many: 'tags', none: 'Enter a tag, like recycling' },
};

/**
 * What an alert's "which one" may mean, from what a person typed: a service or organisation by its name (or the
 * value a choice on the page carries), a place through the place finder (a postcode, a ward, a town, a local
 * authority), or a tag. One choice is the answer; several are offered on the page to choose from; none comes
 * with a message for the field saying what to enter.
 */
export async function alertTargets(db: Db, scope: (typeof subscriptionScopes)[number], text: string): Promise<{ choices: AlertTarget[]; message: string }> {
  if (scope === 'all') return { choices: [{ value: '', label: 'All new stories and responses', organisationId: null }], message: '' };
  const words = scopeWords[scope];
  if (!text) return { choices: [], message: words.none };
  if (scope === 'service') {
    const exact = isUuid(text) ? await repo.findService(db, text.toLowerCase()) : null;
    let rows = exact ? [exact] : await repo.servicesNamed(db, text);
    const same = rows.filter((r) => r.name.toLowerCase() === text.toLowerCase());
    if (same.length === 1) rows = same;
    const views = await presentServices(db, rows);
    return { choices: views.map((s) => ({ value: s.id, label: `${s.name} (${s.organisationName})`, organisationId: s.organisationId })), message: `No service is called “${text}”. ${words.none}` };
  }
  if (scope === 'organisation') {
    const o = await findOrganisation(db, text);
    if (o) return { choices: [{ value: o.id, label: o.name, organisationId: o.id }], message: '' };
    let items = (await searchOrganisations(db, { q: text, pageSize: 20 })).items;
    const same = items.filter((i) => i.name.toLowerCase() === text.toLowerCase());
    if (same.length === 1) items = same;
    return { choices: items.map((i) => ({ value: i.id, label: i.name, organisationId: i.id })), message: `No organisation is called “${text}”. ${words.none}` };
  }
  if (scope === 'area') {
    const exact = await resolvePlace(db, text);
    if (exact) return { choices: [{ value: exact.code, label: exact.kind === 'small-area' ? `${exact.label ?? exact.name}, a small area` : exact.name, organisationId: null }], message: '' };
    const found = await placeChoices(db, text);
    const named = found.choices.filter((p) => p.kind === 'local-authority' && p.name.toLowerCase() === text.toLowerCase());
    if (named.length === 1) found.choices = named;
    return {
      choices: found.choices.map((p) => ({ value: p.code, label: p.kind === 'local-authority' ? p.name : `${p.label ?? p.name}, a small area`, organisationId: null })),
      message: found.invalid ?? `${found.summary} ${words.none}`,
    };
  }
  const t = normaliseTag(text);
  return { choices: t ? [{ value: t, label: `Tagged ${t}`, organisationId: null }] : [], message: words.none };
}

export async function unsubscribe(db: Db, actor: Actor, id: string): Promise<void> {
  if (!actor.userId) throw new AppError('unauthenticated');
  if (!isUuid(id)) throw new AppError('not_found', 'No such alert');
  await inTransaction(db, async (trx) => {
    if (!(await repo.deleteSubscription(trx, actor.userId!, id.toLowerCase()))) throw new AppError('not_found', 'No such alert');
    await recordAudit(trx, actor, { action: 'voice.subscription.removed', entityType: 'voice_subscription', entityId: id });
  });
}

export async function mySubscriptions(db: Db, actor: Actor) {
  if (!actor.userId) return [];
  return (await repo.subscriptionsOf(db, actor.userId)).map((s) => ({ id: s.id, scope: s.scope, value: s.value, label: s.label, minCriticality: s.min_criticality }));
}

/** Emails each subscriber whose scope matches a newly published story or response (once per person). */
async function alertSubscribers(trx: Db, story: repo.StoryRow, event: { kind: 'story' | 'response'; baseUrl: string; responseId?: string }): Promise<void> {
  const services = await repo.servicesOfStories(trx, [story.id]);
  const areas = await repo.areasOfServices(trx, services.map((s) => s.id));
  const tags = (await repo.tagsOfStories(trx, [story.id])).map((t) => t.tag);
  const subs = await repo.matchingSubscriptions(trx, {
    serviceIds: services.map((s) => s.id), organisationIds: [...new Set(services.map((s) => s.organisation_id))],
    areas: [...new Set(areas.flatMap((a) => [a.area_code, a.la_code]))], tags,
  });
  const sent = new Set<string>();
  for (const s of subs) {
    if (sent.has(s.user_id)) continue;
    if (s.min_criticality !== null && (story.criticality === null || story.criticality < s.min_criticality)) continue;
    sent.add(s.user_id);
    const link = `${event.baseUrl}/voice/stories/${story.id}${event.responseId ? `#response-${event.responseId}` : ''}`;
    await enqueueEmail(trx, {
      to: s.email, kind: event.kind === 'story' ? 'voice-alert-story' : 'voice-alert-response',
      subject: event.kind === 'story' ? `New story: ${story.title.slice(0, 80)}` : `New response to: ${story.title.slice(0, 80)}`,
      text: `${event.kind === 'story' ? 'A new story has been published' : 'A new response has been published'} (your alert: ${s.label}).\n\n${story.title}\n${link}\n\nManage your alerts: ${event.baseUrl}/voice/alerts\n`,
    });
  }
}
