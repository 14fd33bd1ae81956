// Petitions to an organisation (usually a council): gathered supporters, moderation with published reason
// codes, signatures that count only once their email link is followed, one per canonical email, thresholds
// (configurable per organisation) that email signers once when crossed, and the organisation's response.
import { createHash, randomBytes } from 'node:crypto';
import { domainToASCII } from 'node:url';
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { Checker } from '../platform/validate.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { enqueueEmail } from '../platform/outbox.repository.ts';
import { inTransaction } from '../platform/transaction.ts';
import { requireOrganisationRole } from '../platform/auth/policy.ts';
import { findUserById } from '../platform/auth/auth.repository.ts';
import { getOrganisation, organisationNames, requireVerifiedPublicBody } from '../organisations/organisations.service.ts';
import * as repo from './voice.repository.ts';
import { canonicalEmail, normalisePostcode } from './voice.rules.ts';
import { localAuthorityChoices } from './voice.places.ts';
import { isModerator, requireModerator } from './voice.service.ts';
import { countryName, ipPrefix, nationNames, nationOfCode, placePostcode, readCountry } from './voice.petitions.where.ts';

/** How long an emailed confirmation link works; signing again with the same address sends a new one. */
export const signatureLinkDays = 7;
/** Signing again sends a new link only once the last one is this old, so repeated signing cannot flood a mailbox. */
const resendAfterMs = 10 * 60 * 1000;

/** Published reason codes for a petition that is not opened. */
export const petitionRejectReasons = {
  duplicate: 'There is already a petition about this',
  irrelevant: 'It is not something the organisation is responsible for',
  'no-action': 'It does not ask for a clear action the organisation could take',
  offensive: 'It is offensive, abusive or defamatory',
  advert: 'It advertises a product or service',
  'personal-information': 'It includes personal or confidential information',
  'honours-or-appointments': 'It is about an honour or an appointment',
} as const;
export type PetitionRejectReason = keyof typeof petitionRejectReasons;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (s: unknown): s is string => typeof s === 'string' && uuidPattern.test(s.trim());
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());

export type PetitionState = 'collecting' | 'pending' | 'open' | 'closed' | 'rejected';

export const petitionStateLabels: Record<PetitionState, string> = {
  collecting: 'Gathering supporters before moderation',
  pending: 'Waiting for moderation',
  open: 'Open for signatures',
  closed: 'Closed',
  rejected: 'Not published',
};

export interface PetitionView {
  id: string; organisationId: string; organisationName: string; organisationSlug: string;
  /** Whether the organisation petitioned is verified (always true for new petitions; false once verification is withdrawn). */
  organisationVerified: boolean;
  title: string; background: string; creatorName: string; state: PetitionState; stateLabel: string;
  rejectReason: string | null; rejectReasonLabel: string | null;
  requiredSupporters: number; responseThreshold: number; debateThreshold: number; openDays: number;
  openedAt: string | null; closesAt: string | null; createdAt: string;
  signatures: number;
  responseThresholdReachedAt: string | null; debateThresholdReachedAt: string | null;
  response: { text: string; at: string } | null;
}

export function stateOf(p: repo.PetitionRow, now = new Date()): PetitionState {
  if (p.status === 'open' && p.closes_at && new Date(p.closes_at) <= now) return 'closed';
  return p.status;
}

async function presentPetitions(db: Db, rows: repo.PetitionRow[]): Promise<PetitionView[]> {
  const names = await organisationNames(db, [...new Set(rows.map((r) => r.organisation_id))]);
  return rows.map((p) => {
    const state = stateOf(p);
    const rejected = state === 'rejected';
    return {
      id: p.id, organisationId: p.organisation_id, organisationName: names.get(p.organisation_id)?.name ?? '', organisationSlug: names.get(p.organisation_id)?.slug ?? '',
      organisationVerified: names.get(p.organisation_id)?.verified ?? false,
      // A rejected petition keeps only its title and published reason code.
      title: p.title, background: rejected ? '' : p.background, creatorName: rejected ? '' : p.creator_name, state, stateLabel: petitionStateLabels[state],
      rejectReason: p.reject_reason, rejectReasonLabel: p.reject_reason ? petitionRejectReasons[p.reject_reason as PetitionRejectReason] ?? p.reject_reason : null,
      requiredSupporters: p.required_supporters, responseThreshold: p.response_threshold, debateThreshold: p.debate_threshold, openDays: p.open_days,
      openedAt: iso(p.opened_at), closesAt: iso(p.closes_at), createdAt: iso(p.created_at)!,
      signatures: p.signatures,
      responseThresholdReachedAt: iso(p.response_threshold_reached_at), debateThresholdReachedAt: iso(p.debate_threshold_reached_at),
      response: p.response_text && p.responded_at ? { text: p.response_text, at: iso(p.responded_at)! } : null,
    };
  });
}

// Settings per organisation

export async function getPetitionSettings(db: Db, organisationRef: string) {
  const org = await getOrganisation(db, organisationRef);
  const s = await repo.petitionSettings(db, org.id);
  return { organisationId: org.id, organisationName: org.name, responseThreshold: s.response_threshold, debateThreshold: s.debate_threshold, openDays: s.open_days, requiredSupporters: s.required_supporters };
}

/** Sets an organisation's petition thresholds, opening period and supporters needed; its administrators may. */
export async function setPetitionSettings(db: Db, actor: Actor, organisationRef: string, input: { responseThreshold?: unknown; debateThreshold?: unknown; openDays?: unknown; requiredSupporters?: unknown }) {
  const org = await getOrganisation(db, organisationRef);
  await requireOrganisationRole(db, actor, org.id, ['admin']);
  const current = await repo.petitionSettings(db, org.id);
  const check = new Checker();
  const int = (v: unknown, field: string, label: string, min: number, max: number, fallback: number) => {
    if (v === undefined || v === '' || v === null) return fallback;
    const n = typeof v === 'string' ? Number(v.replace(/,/g, '').trim()) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) { check.fail(field, `${label} must be a whole number from ${min.toLocaleString('en-GB')} to ${max.toLocaleString('en-GB')}`); return fallback; }
    return n;
  };
  const s = {
    organisation_id: org.id,
    response_threshold: int(input.responseThreshold, 'responseThreshold', 'The signatures needed for a response', 1, 10_000_000, current.response_threshold),
    debate_threshold: int(input.debateThreshold, 'debateThreshold', 'The signatures needed for a debate', 1, 10_000_000, current.debate_threshold),
    open_days: int(input.openDays, 'openDays', 'The days a petition is open', 1, 366, current.open_days),
    required_supporters: int(input.requiredSupporters, 'requiredSupporters', 'The supporters needed before moderation', 0, 100, current.required_supporters),
  };
  if (s.debate_threshold < s.response_threshold) check.fail('debateThreshold', 'The signatures needed for a debate must be at least those needed for a response');
  check.done();
  return inTransaction(db, async (trx) => {
    await repo.savePetitionSettings(trx, s);
    await recordAudit(trx, actor, { action: 'voice.petition_settings.saved', entityType: 'voice_petition_settings', entityId: org.id, organisationId: org.id, before: current, after: s });
    return getPetitionSettings(trx, org.id);
  });
}

// Creating and moderating

export interface PetitionInput { organisation?: unknown; title?: unknown; background?: unknown; creatorName?: unknown }

/** What a petition will say, checked, without saving anything: the page a creator checks before it goes to supporters. */
export async function checkPetition(db: Db, actor: Actor, input: PetitionInput) {
  if (!actor.userId) throw new AppError('unauthenticated', 'Sign in to start a petition');
  const check = new Checker();
  const title = check.text(input.title, 'title', 'what the petition asks for', { max: 150 });
  const background = check.text(input.background, 'background', 'the background to the petition', { max: 3000 });
  const typedName = typeof input.creatorName === 'string' ? input.creatorName.trim() : '';
  if (typedName.length > 100) check.fail('creatorName', 'The name to show must be 100 characters or fewer');
  const orgRef = typeof input.organisation === 'string' ? input.organisation.trim() : '';
  if (!orgRef) check.fail('organisation', 'Choose the organisation the petition is to');
  check.done();
  const org = await getOrganisation(db, orgRef).catch(() => { throw AppError.validation([{ field: 'organisation', message: 'Choose the organisation the petition is to' }]); });
  // Petitions go to verified public bodies only, so an impostor of a council's name cannot receive them.
  await requireVerifiedPublicBody(db, org.id, 'receive petitions').catch((error: unknown) => {
    throw new AppError('forbidden', (error as Error).message, { fieldErrors: [{ field: 'organisation', message: 'Choose a verified public body: this organisation has not been verified' }] });
  });
  const user = await findUserById(db, actor.userId);
  if (!user) throw new AppError('unauthenticated', 'Sign in to start a petition');
  const settings = await repo.petitionSettings(db, org.id);
  return {
    organisation: { id: org.id, slug: org.slug, name: org.name }, title, background,
    // The name shown is the one the creator chose; their account name if they left it empty.
    creatorName: typedName || user.name, requiredSupporters: settings.required_supporters, userId: user.id,
  };
}

/**
 * Starts a petition to an organisation, under the name its creator chose to show (their account name if none).
 * The creator (signed in) is its first supporter once they confirm their signature; it goes to moderation when
 * it has the organisation's required number of supporters (default 5), gathered by sharing its link. It is not
 * listed until a moderator opens it.
 */
export async function createPetition(db: Db, actor: Actor, input: PetitionInput) {
  const checked = await checkPetition(db, actor, input);
  const { title, background, creatorName } = checked;
  return inTransaction(db, async (trx) => {
    const settings = await repo.petitionSettings(trx, checked.organisation.id);
    const row = await repo.insertPetition(trx, { organisationId: checked.organisation.id, title, background, creatorUserId: checked.userId, creatorName, settings });
    await recordAudit(trx, actor, { action: 'voice.petition.created', entityType: 'voice_petition', entityId: row.id, organisationId: checked.organisation.id, after: { title, background, creatorName } });
    return (await presentPetitions(trx, [row]))[0]!;
  });
}

/** The petitions the signed-in person started, in every state, newest first (their "Your petitions" page). */
export async function myPetitions(db: Db, actor: Actor): Promise<PetitionView[]> {
  if (!actor.userId) throw new AppError('unauthenticated', 'Sign in to see your petitions');
  const rows = await repo.petitionsByCreator(db, actor.userId);
  // The creator sees their own rejected petition whole.
  return (await presentPetitions(db, rows)).map((v, i) => ({ ...v, background: rows[i]!.background, creatorName: rows[i]!.creator_name }));
}

/**
 * One petition. Anyone with the link sees one gathering supporters, waiting, open or closed; a rejected one
 * shows only its title and reason code.
 */
export async function getPetition(db: Db, id: string): Promise<PetitionView> {
  const row = isUuid(id) ? await repo.findPetition(db, id.toLowerCase()) : null;
  if (!row) throw new AppError('not_found', 'No petition has that id');
  return (await presentPetitions(db, [row]))[0]!;
}

/**
 * A petition with its signature counts (the API's petition document): by local authority; by nation (England,
 * Wales, Scotland, Northern Ireland, and "Not known" for a postcode not placed); and by country outside the UK.
 */
export async function petitionWithCounts(db: Db, id: string) {
  const petition = await getPetition(db, id);
  const counts = petition.state === 'rejected' ? [] : await repo.countsByArea(db, { organisation_id: petition.organisationId, id: petition.id });
  const names = new Map((await localAuthorityChoices(db)).map((l) => [l.code, l.name]));
  const sum = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
  const las = new Map<string, number>(), nations = new Map<string, number>(), abroad = new Map<string, number>();
  for (const c of counts) {
    if (c.laCode) sum(las, c.laCode, c.signatures);
    if (c.country) { sum(abroad, c.country, c.signatures); continue; }
    sum(nations, c.nation ?? nationOfCode(c.laCode) ?? 'unknown', c.signatures);
  }
  const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name, 'en-GB');
  return {
    ...petition,
    byLocalAuthority: [...las].map(([code, n]) => ({ code, name: names.get(code) ?? code, signatures: n })).sort((a, b) => a.code.localeCompare(b.code)),
    byNation: [...nations].map(([code, n]) => ({ code, name: nationNames[code] ?? 'Not known (postcode not found)', signatures: n }))
      .sort((a, b) => (a.code === 'unknown' ? 1 : b.code === 'unknown' ? -1 : 'EWSN'.indexOf(a.code) - 'EWSN'.indexOf(b.code))),
    byCountry: [...abroad].map(([code, n]) => ({ code, name: countryName(code), signatures: n })).sort((a, b) => b.signatures - a.signatures || byName(a, b)),
  };
}

/** Petitions open or closed (public lists), newest first; `organisation` narrows to one. */
export async function listPetitions(db: Db, filter: { organisation?: string; state?: 'open' | 'closed' | 'all' } = {}) {
  const org = filter.organisation ? await getOrganisation(db, filter.organisation) : null;
  const rows = await repo.listPetitions(db, { statuses: ['open'], organisationId: org?.id, limit: 200 });
  const views = await presentPetitions(db, rows);
  return views.filter((p) => filter.state === 'all' || !filter.state ? true : p.state === filter.state);
}

/** Petitions waiting for moderation. Moderators only. */
export async function petitionQueue(db: Db, actor: Actor) {
  await requireModerator(db, actor);
  return presentPetitions(db, await repo.listPetitions(db, { statuses: ['pending'], limit: 200 }));
}

/** A moderator opens a petition (it is then open for the organisation's period) or rejects it with a published reason code. */
export async function moderatePetition(db: Db, actor: Actor, id: string, input: { decision?: unknown; reason?: unknown }): Promise<PetitionView> {
  await requireModerator(db, actor);
  const check = new Checker();
  const decision = check.oneOf(input.decision, 'decision', 'whether to open the petition', ['open', 'reject'] as const);
  const reason = decision === 'reject' ? check.oneOf(input.reason, 'reason', 'a reason code', Object.keys(petitionRejectReasons) as PetitionRejectReason[]) : null;
  check.done();
  return inTransaction(db, async (trx) => {
    const row = isUuid(id) ? await repo.findPetition(trx, id.toLowerCase(), { forUpdate: true }) : null;
    if (!row) throw new AppError('not_found', 'No petition has that id');
    if (row.status !== 'pending') throw new AppError('conflict', row.status === 'collecting' ? 'The petition does not yet have its supporters' : 'The petition has already been moderated');
    const now = new Date();
    const updated = await repo.updatePetition(trx, row, decision === 'open'
      ? { status: 'open', opened_at: now, closes_at: new Date(now.getTime() + row.open_days * 86_400_000) }
      : { status: 'rejected', reject_reason: reason });
    await repo.logModeration(trx, { subjectType: 'petition', subjectId: row.id, action: decision, moderatorUserId: actor.userId, before: { status: row.status }, after: { status: updated.status, rejectReason: reason } });
    await recordAudit(trx, actor, { action: `voice.petition.${decision === 'open' ? 'opened' : 'rejected'}`, entityType: 'voice_petition', entityId: row.id, organisationId: row.organisation_id, before: { status: row.status }, after: { status: updated.status, rejectReason: reason } });
    const creator = row.creator_user_id ? await findUserById(trx, row.creator_user_id) : null;
    if (creator) {
      await enqueueEmail(trx, {
        to: creator.email, kind: `voice-petition-${decision === 'open' ? 'opened' : 'rejected'}`,
        subject: decision === 'open' ? 'Your petition is open' : 'Your petition was not published',
        text: decision === 'open' ? `Your petition "${row.title}" is open for signatures until ${updated.closes_at!.toISOString().slice(0, 10)}.\n` : `Your petition "${row.title}" was not published: ${petitionRejectReasons[reason!]}.\n`,
      });
    }
    return (await presentPetitions(trx, [updated]))[0]!;
  });
}

// Signing

export interface SignInput { name?: unknown; email?: unknown; postcode?: unknown; localAuthority?: unknown; outsideUk?: unknown; country?: unknown; consent?: unknown }

const yes = (v: unknown) => v === 'yes' || v === true;

/**
 * Takes a signature and emails a link to the address given; it counts only once that link is followed. One
 * signature per canonical email per petition: signing again sends nothing new when it is counted, and a new link
 * (the old one stops working) when it is not and its last link is over ten minutes old, and says the same thing either way, so the form cannot be used to
 * learn who has signed. Petitions gathering supporters and open petitions take signatures.
 * Where the signer lives: a UK postcode, kept private, placed by the places module's finder where postcodes are
 * loaded (its local authority and nation count the signature), accepted by its shape where they are not (then a
 * chosen local authority, if any, places it); or "I live outside the UK" with a country. Only the signer's
 * network (`options.ip` cut to /24 or /48) is kept, for the surge report.
 */
export async function signPetition(db: Db, actor: Actor, id: string, input: SignInput, options: { baseUrl: string; ip?: string }): Promise<{ petitionId: string; emailSentTo: string; placeNote: string | null }> {
  const check = new Checker();
  const name = check.text(input.name, 'name', 'your name', { max: 100 });
  const email = check.email(input.email);
  const outside = yes(input.outsideUk);
  let postcode: string | null = null;
  let country: string | null = null;
  if (outside) {
    country = readCountry(input.country);
    if (!country) check.fail('country', 'Choose the country you live in');
  } else {
    const raw = typeof input.postcode === 'string' ? input.postcode.trim() : '';
    if (!raw) check.fail('postcode', 'Enter your postcode, or say that you live outside the UK');
    else if (raw.length > 10 || !(postcode = normalisePostcode(raw))) check.fail('postcode', 'Enter a real UK postcode, like NE1 4ST');
  }
  const chosen = !outside && typeof input.localAuthority === 'string' ? input.localAuthority.trim().toUpperCase() : '';
  if (chosen && !(await localAuthorityChoices(db)).some((l) => l.code === chosen)) check.fail('localAuthority', 'Choose the local authority you live in from the list');
  if (!yes(input.consent)) check.fail('consent', 'Confirm that you are a British citizen or UK resident and that this is your own name and email address');
  check.done();
  const place = postcode ? await placePostcode(db, postcode, chosen || null) : { laCode: null, nation: null, postcodeFound: false, note: null };
  return inTransaction(db, async (trx) => {
    const row = isUuid(id) ? await repo.findPetition(trx, id.toLowerCase()) : null;
    if (!row) throw new AppError('not_found', 'No petition has that id');
    const state = stateOf(row);
    if (state !== 'open' && state !== 'collecting') throw new AppError('unprocessable', state === 'closed' ? 'This petition has closed' : 'This petition is not taking signatures');
    const token = randomBytes(24).toString('base64url');
    const canonical = canonicalEmail(email);
    let signature = await repo.insertSignature(trx, {
      petition: row, name, email, canonicalEmail: canonical, tokenHash: sha256(token),
      postcode, laCode: place.laCode, nation: place.nation, country, postcodeFound: place.postcodeFound, ipPrefix: ipPrefix(options.ip),
    });
    let audit = 'voice.signature.added';
    if (!signature) {
      // Signed before: a signature not yet confirmed gets a fresh link (its first may have expired or been lost).
      const existing = await repo.findSignatureByEmail(trx, row, canonical);
      if (existing && (await repo.reissueSignatureToken(trx, existing, sha256(token), new Date(Date.now() - resendAfterMs)))) { signature = existing; audit = 'voice.signature.link_resent'; }
    }
    if (signature) {
      await enqueueEmail(trx, {
        to: email, kind: 'voice-signature-confirm', subject: `Confirm your signature: ${row.title.slice(0, 80)}`,
        text: `To add your signature to the petition "${row.title}", open this link and press "Confirm my signature":\n\n${options.baseUrl}/voice/petitions/confirm?token=${token}\n\nYour signature is not counted until you do. The link works for ${signatureLinkDays} days. If you did not sign, ignore this email.\n`,
      });
      await recordAudit(trx, actor, { action: audit, entityType: 'voice_signature', entityId: signature.id, organisationId: row.organisation_id, after: { petitionId: row.id, laCode: place.laCode, nation: place.nation, country } });
    }
    return { petitionId: row.id, emailSentTo: email, placeNote: place.note };
  });
}

export type SignatureLinkState = 'ready' | 'counted' | 'expired' | 'removed' | 'closed' | 'unknown';

/**
 * What an emailed link would do, read only (so a mail scanner that fetches it changes nothing): `ready` to
 * confirm; `counted` when it was used already; `expired` after a week; `removed` when moderators invalidated the
 * signature; `closed` when the petition no longer takes signatures; `unknown` for a link that was never sent (or
 * was replaced by a newer one).
 */
export async function signatureLink(db: Db, token: unknown, now = new Date()): Promise<{ state: SignatureLinkState; petition: { id: string; title: string; signatures: number } | null }> {
  if (typeof token !== 'string' || token.length < 20 || token.length > 100) return { state: 'unknown', petition: null };
  const sig = await repo.findSignatureByToken(db, sha256(token));
  if (!sig) return { state: 'unknown', petition: null };
  const p = (await repo.findPetition(db, sig.petition_id))!;
  const petition = { id: p.id, title: p.title, signatures: p.signatures };
  if (sig.invalidation_id) return { state: 'removed', petition };
  if (sig.confirmed_at) return { state: 'counted', petition };
  const st = stateOf(p, now);
  if (st !== 'open' && st !== 'collecting') return { state: 'closed', petition };
  if (now.getTime() - new Date(sig.token_issued_at).getTime() > signatureLinkDays * 86_400_000) return { state: 'expired', petition };
  return { state: 'ready', petition };
}

/**
 * Counts a signature whose email link was followed. Crossing the required supporters sends the petition to
 * moderation; crossing the response or debate threshold emails every counted signer, exactly once.
 */
export async function confirmSignature(db: Db, actor: Actor, token: unknown, options: { baseUrl: string }): Promise<{ petitionId: string; alreadyConfirmed: boolean; signatures: number }> {
  if (typeof token !== 'string' || token.length < 20 || token.length > 100) throw new AppError('not_found', 'That confirmation link is not valid');
  return inTransaction(db, async (trx) => {
    const sig = await repo.findSignatureByToken(trx, sha256(token));
    if (!sig || sig.invalidation_id) throw new AppError('not_found', 'That confirmation link is not valid');
    // Lock the petition: confirmations of one petition are serialised, so each threshold is crossed once.
    const petition = (await repo.findPetition(trx, sig.petition_id, { forUpdate: true }))!;
    const state = stateOf(petition);
    if (state !== 'open' && state !== 'collecting') throw new AppError('unprocessable', 'This petition is no longer taking signatures');
    if (!sig.confirmed_at && Date.now() - new Date(sig.token_issued_at).getTime() > signatureLinkDays * 86_400_000) {
      throw new AppError('unprocessable', `That confirmation link has expired: links work for ${signatureLinkDays} days. Sign the petition again to get a new one.`);
    }
    const count = await repo.confirmSignature(trx, sig);
    if (count === null) return { petitionId: petition.id, alreadyConfirmed: true, signatures: petition.signatures };
    await recordAudit(trx, actor, { action: 'voice.signature.confirmed', entityType: 'voice_signature', entityId: sig.id, organisationId: sig.organisation_id });
    if (petition.status === 'collecting' && count >= petition.required_supporters) {
      await repo.updatePetition(trx, petition, { status: 'pending' });
      await recordAudit(trx, actor, { action: 'voice.petition.supported', entityType: 'voice_petition', entityId: petition.id, organisationId: petition.organisation_id, after: { supporters: count } });
    }
    if (petition.status === 'open') {
      for (const which of ['response', 'debate'] as const) {
        const threshold = which === 'response' ? petition.response_threshold : petition.debate_threshold;
        if (count >= threshold && (await repo.markThresholdReached(trx, petition, which))) {
          await recordAudit(trx, actor, { action: `voice.petition.${which}_threshold_reached`, entityType: 'voice_petition', entityId: petition.id, organisationId: petition.organisation_id, after: { signatures: count } });
          await emailSigners(trx, petition, {
            kind: `voice-petition-${which}-threshold`,
            subject: which === 'response' ? `The petition you signed will get a response` : `The petition you signed will be considered for a debate`,
            text: `The petition "${petition.title}" has ${count.toLocaleString('en-GB')} signatures, reaching the ${threshold.toLocaleString('en-GB')} needed for ${which === 'response' ? 'a response' : 'a debate'}.\n\n${options.baseUrl}/voice/petitions/${petition.id}\n`,
          });
        }
      }
    }
    return { petitionId: petition.id, alreadyConfirmed: false, signatures: count };
  });
}

async function emailSigners(trx: Db, petition: repo.PetitionRow, email: { kind: string; subject: string; text: string }): Promise<void> {
  for (const s of await repo.signerEmails(trx, petition)) {
    await enqueueEmail(trx, { to: s.email, kind: email.kind, subject: email.subject, text: `Dear ${s.name},\n\n${email.text}` });
  }
}

export interface InvalidationInput { reason?: unknown; emailDomain?: unknown; signedFrom?: unknown; signedTo?: unknown; localAuthority?: unknown; ipPrefix?: unknown }

function readCriteria(check: Checker, input: InvalidationInput): repo.InvalidationCriteria {
  const criteria: repo.InvalidationCriteria = {};
  if (typeof input.emailDomain === 'string' && input.emailDomain.trim()) {
    const typed = input.emailDomain.trim().toLowerCase().replace(/^@/, '').replace(/\.+$/, '');
    const d = domainToASCII(typed) || typed;
    if (!/^[a-z0-9.-]+\.[a-z]{2,}$/.test(d)) check.fail('emailDomain', 'Enter an email domain, like example.com');
    else criteria.emailDomain = d === 'googlemail.com' ? 'gmail.com' : d;
  }
  for (const [field, key] of [['signedFrom', 'signedFrom'], ['signedTo', 'signedTo']] as const) {
    const v = input[field];
    if (typeof v === 'string' && v.trim()) {
      const d = new Date(v.trim());
      if (Number.isNaN(d.getTime())) check.fail(field, 'Enter a date and time, like 2026-11-23T10:00:00Z');
      else criteria[key] = d;
    }
  }
  if (typeof input.localAuthority === 'string' && input.localAuthority.trim()) criteria.laCode = input.localAuthority.trim().toUpperCase();
  if (typeof input.ipPrefix === 'string' && input.ipPrefix.trim()) {
    const v = input.ipPrefix.trim().toLowerCase();
    if (!/^(\d{1,3}\.){3}0\/24$|^[0-9a-f:]+::\/48$/.test(v)) check.fail('ipPrefix', 'Enter a network as the surge report shows it, like 203.0.113.0/24');
    else criteria.ipPrefix = v;
  }
  if (Object.keys(criteria).length === 0 && check.errors.length === 0) check.fail('emailDomain', 'Give at least one way to pick the signatures: an email domain, a network, a time window or a local authority');
  return criteria;
}

/**
 * How many signatures an invalidation with these criteria would remove, before it runs: all of them, and how
 * many of those count now. Moderators only; reads only.
 */
export async function previewInvalidation(db: Db, actor: Actor, id: string, input: InvalidationInput) {
  await requireModerator(db, actor);
  const check = new Checker();
  const criteria = readCriteria(check, input);
  check.done();
  const row = isUuid(id) ? await repo.findPetition(db, id.toLowerCase()) : null;
  if (!row) throw new AppError('not_found', 'No petition has that id');
  return { ...(await repo.previewInvalidation(db, row, criteria)), criteria };
}

/**
 * Invalidates, in bulk, the signatures of a petition that match the criteria (an email domain, a network, a time
 * window, a local authority), with one recorded reason. Moderators only. They stop counting at once.
 */
export async function invalidateSignatures(db: Db, actor: Actor, id: string, input: InvalidationInput) {
  await requireModerator(db, actor);
  const check = new Checker();
  const reason = check.text(input.reason, 'reason', 'the reason the signatures are invalid', { max: 500 });
  const criteria = readCriteria(check, input);
  check.done();
  return inTransaction(db, async (trx) => {
    const row = isUuid(id) ? await repo.findPetition(trx, id.toLowerCase(), { forUpdate: true }) : null;
    if (!row) throw new AppError('not_found', 'No petition has that id');
    const result = await repo.invalidateSignatures(trx, row, { reason, criteria, byUserId: actor.userId });
    await repo.logModeration(trx, { subjectType: 'petition', subjectId: row.id, action: 'invalidate-signatures', moderatorUserId: actor.userId, before: null, after: { reason, criteria, signatures: result.signatures } });
    await recordAudit(trx, actor, { action: 'voice.signatures.invalidated', entityType: 'voice_petition', entityId: row.id, organisationId: row.organisation_id, after: { invalidationId: result.id, reason, criteria, signatures: result.signatures } });
    return { invalidationId: result.id, signatures: result.signatures, reason };
  });
}

/** The surge report's time windows: the last hour, day and week, and all time. */
export const surgeWindows = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000, all: null } as const;
export type SurgeWindow = keyof typeof surgeWindows;

/**
 * The surge report of a petition for moderators: over a time window, its signatures (not yet invalid) grouped by
 * network (IPv4 /24, IPv6 /48), by email domain and by area, biggest groups first, each with its share of the
 * window's signatures; a group can be handed to the bulk invalidation as it is.
 */
export async function surgeReport(db: Db, actor: Actor, id: string, input: { window?: unknown } = {}, now = new Date()) {
  await requireModerator(db, actor);
  const window: SurgeWindow = typeof input.window === 'string' && input.window in surgeWindows ? input.window as SurgeWindow : 'day';
  const row = isUuid(id) ? await repo.findPetition(db, id.toLowerCase()) : null;
  if (!row) throw new AppError('not_found', 'No petition has that id');
  const ms = surgeWindows[window];
  const since = ms === null ? null : new Date(now.getTime() - ms);
  const total = await repo.signaturesSince(db, row, since);
  const laNames = new Map((await localAuthorityChoices(db)).map((l) => [l.code, l.name]));
  const areaName = (k: string) => k.startsWith('nation:') ? `${nationNames[k.slice(7)] ?? k.slice(7)} (local authority not known)`
    : k.startsWith('country:') ? `Outside the UK: ${countryName(k.slice(8))}` : k === 'unknown' ? 'Not known' : laNames.get(k) ?? k;
  const group = async (by: repo.SurgeDimension) => (await repo.signatureSurge(db, row, by, since)).map((g) => ({
    key: g.key, label: g.key === null ? 'Not recorded' : by === 'area' ? areaName(g.key) : g.key,
    signatures: g.signatures, counted: g.counted, share: total ? Math.round((g.signatures / total) * 1000) / 10 : 0,
    first: g.first.toISOString(), last: g.last.toISOString(),
  }));
  return {
    petition: (await presentPetitions(db, [row]))[0]!, window, since: since?.toISOString() ?? null, signatures: total,
    byNetwork: await group('ip'), byEmailDomain: await group('domain'), byArea: await group('area'),
  };
}

export async function invalidations(db: Db, actor: Actor, id: string) {
  if (!(await isModerator(db, actor))) return [];
  const row = isUuid(id) ? await repo.findPetition(db, id.toLowerCase()) : null;
  if (!row) return [];
  return (await repo.invalidationsOf(db, row)).map((i) => ({ id: i.id, reason: i.reason, criteria: i.criteria, signatures: i.signatures, at: new Date(i.at).toISOString() }));
}

/** The organisation publishes its response to an open or closed petition; every counted signer is emailed. Its administrators and staff may. */
export async function respondToPetition(db: Db, actor: Actor, id: string, input: { text?: unknown }, options: { baseUrl: string }): Promise<PetitionView> {
  const check = new Checker();
  const text = check.text(input.text, 'text', 'the organisation’s response', { max: 10_000 });
  check.done();
  return inTransaction(db, async (trx) => {
    const row = isUuid(id) ? await repo.findPetition(trx, id.toLowerCase(), { forUpdate: true }) : null;
    if (!row) throw new AppError('not_found', 'No petition has that id');
    await requireOrganisationRole(trx, actor, row.organisation_id, ['admin', 'staff']);
    const state = stateOf(row);
    if (state !== 'open' && state !== 'closed') throw new AppError('unprocessable', 'Only an open or closed petition can be answered');
    const updated = await repo.updatePetition(trx, row, { response_text: text, responded_at: new Date() });
    await recordAudit(trx, actor, { action: 'voice.petition.responded', entityType: 'voice_petition', entityId: row.id, organisationId: row.organisation_id, before: { response: row.response_text }, after: { response: text } });
    await emailSigners(trx, row, {
      kind: 'voice-petition-response', subject: `A response to the petition you signed`,
      text: `The organisation has ${row.response_text ? 'updated its' : 'published a'} response to the petition "${row.title}":\n\n${options.baseUrl}/voice/petitions/${row.id}\n`,
    });
    return (await presentPetitions(trx, [updated]))[0]!;
  });
}
