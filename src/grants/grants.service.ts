// Grants: 360Giving files in, as drafts to check, then published (issue 17, import).
//
// Who may publish: grants are published by funders, and most funders are charities or companies, not public
// bodies, so the gate is a verified organisation (requireVerifiedOrganisation: its identifiers checked against
// its register by a site administrator), not a verified public body as for spending. Anyone can type a
// funder's name; only a verified organisation's staff can publish in its name.
//
// All or nothing per file: a file is read whole before anything is written, and is stored in one transaction.
// The same bytes again change nothing. A newer file from the same publisher replaces the grants it holds, by
// grant id: the old version stays (is_current false), a grant whose content is the same is left as it is.
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { AppContext } from '../platform/module.ts';
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { requireOrganisationRole } from '../platform/auth/policy.ts';
import {
  closeDraft, createDraft, discardDraft, findOpenDraftByFingerprint, listOpenDrafts, lockOpenDraft, openDraft, readDraftBytes, registerDraftKind, saveDraftBytes, type Draft,
} from '../platform/drafts.ts';
import { getOrganisation, requireVerifiedOrganisation } from '../organisations/organisations.service.ts';
import { DEFAULT_GRANTS_LIMITS, type GrantProblem, type GrantsLimits, type ReadFile, type ReadGrant, type RejectedGrant } from './grants.read.ts';
import * as repo from './grants.repository.ts';
import { readGrantsFileAsync } from './grants.read-async.ts';
import { withGrantsCopy } from './grants.load.ts';
import { nothingReadable, openGrantsSource, RunningSummary, storeSource } from './grants.store.ts';
import { applyTotalsDelta, publishersWithTotals, startTotalsDelta } from './grants.totals.repository.ts';
import { refreshAreaTotals } from './grants.chains.repository.ts';
import { linkFileToPots } from './grants.chains.ts';
import { readGrantsFile as readProgrammeGrant } from './grants.read.ts';
import { sha256Of, sourceOfRead } from './grants.stream.ts';
import { insertingCopy } from '../platform/copy.ts';
import { announceGroupCandidates } from './grants.groups.ts';

export const GRANTS_PUBLISHING_ROLES = ['admin', 'staff', 'finance'] as const;
export const GRANTS_FILE_DRAFT = 'grants.file';

/** The summary the issue names (`--json`), in its order. */
export interface GrantsSummary {
  grantsImported: number;
  grantsRejected: number;
  gbpTotalPence: number;
  /** Currency → total in its minor units: never added to pounds. */
  otherCurrencies: Record<string, number>;
  funders: number;
  recipients: number;
  firstAwardDate: string | null;
  lastAwardDate: string | null;
  problems: GrantProblem[];
  sha256: string;
  rejected: RejectedGrant[];
  format: 'json' | 'csv' | 'xlsx';
  /** Problems by severity and code, for a quick look. */
  problemCounts: Record<string, number>;
}

export interface Publisher {
  id: string;
  name: string;
  slug: string;
}

export interface GrantsCheck extends GrantsSummary {
  /** What publishing would do to the publisher's current grants, worked out at the upload. */
  changes: { new: number; changed: number; unchanged: number };
  /** The same, grant by grant (drafts made before it was kept have none). */
  difference?: GrantsDifference;
}

export interface ImportOutcome extends GrantsSummary {
  outcome: 'imported' | 'unchanged';
  fileId: string;
  publisher: Publisher;
  changes: { new: number; changed: number; unchanged: number };
}

/** The summary of a file as read: nothing looked up, nothing written. */
export function summarise(read: ReadFile): GrantsSummary {
  let gbp = 0;
  const other: Record<string, number> = {};
  for (const g of read.grants) {
    if (g.currency === 'GBP') gbp += g.amountMinor;
    else other[g.currency] = (other[g.currency] ?? 0) + g.amountMinor;
  }
  const dates = read.grants.map((g) => g.awardDate).sort();
  const problemCounts: Record<string, number> = {};
  for (const p of read.problems) problemCounts[`${p.severity}:${p.code}`] = (problemCounts[`${p.severity}:${p.code}`] ?? 0) + 1;
  return {
    grantsImported: read.grants.length, grantsRejected: read.rejected.length, gbpTotalPence: gbp, otherCurrencies: other,
    funders: new Set(read.grants.map((g) => g.funderOrgId ?? g.funderName).filter(Boolean)).size,
    recipients: new Set(read.grants.map((g) => g.recipientOrgId ?? g.recipientName).filter(Boolean)).size,
    firstAwardDate: dates[0] ?? null, lastAwardDate: dates[dates.length - 1] ?? null,
    problems: read.problems, sha256: read.sha256, rejected: read.rejected, format: read.format, problemCounts,
  };
}

/** Reads a file (a large one in a worker thread) and refuses one that holds no grant that can be read. */
async function readChecked(bytes: Uint8Array, limits: GrantsLimits): Promise<ReadFile> {
  const read = await readGrantsFileAsync(bytes, limits);
  if (read.grants.length === 0) {
    const reasons = read.rejected.slice(0, 5).map((r) => `grant ${r.index}${r.id ? ` (${r.id})` : ''}: ${r.reason}`);
    throw AppError.validation([{ field: 'grants', message: read.rejected.length ? `No grant in the file can be read: ${reasons.join('; ')}${read.rejected.length > 5 ? '; …' : ''}` : 'The file holds no grants' }]);
  }
  return read;
}

export function limitsOf(ctx: AppContext): GrantsLimits {
  return { maxBytes: Math.min(ctx.config.importMaxBytes ?? DEFAULT_GRANTS_LIMITS.maxBytes, DEFAULT_GRANTS_LIMITS.maxBytes), maxGrants: DEFAULT_GRANTS_LIMITS.maxGrants };
}

/** How many grants a check reads before it lets other requests run (the check reads on the server's thread). */
const CHECK_BATCH = 1000;

/**
 * Reads a file for its check as the import reads it: a JSON package (gzip too) as a stream — only a batch of
 * grants is held at a time, a gzip bomb stops at the limit while it inflates, one value over 16 MB is refused —
 * and CSV or XLSX whole (in a worker thread when large). `onBatch` sees each batch (what a draft would change).
 */
async function checkSource(input: { bytes: Uint8Array } | { path: string }, limits: GrantsLimits, readWhole: (bytes: Uint8Array) => Promise<ReadFile>, onBatch?: (batch: ReadGrant[]) => Promise<void>) {
  const source = await openGrantsSource(input, limits, readWhole);
  const running = new RunningSummary();
  for await (const batch of source.batches(CHECK_BATCH)) {
    for (const g of batch) running.add(g);
    if (onBatch) await onBatch(batch);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { source, running, summary: running.summary(source) };
}

/**
 * `commonweal grants validate` and the check page: the problems of a file, importing nothing. A file named by
 * path is never read whole when it is a JSON package (up to STREAM_MAX_BYTES decompressed, as an import).
 */
export async function validateGrantsFile(input: { bytes: Uint8Array } | { path: string }, limits: GrantsLimits = DEFAULT_GRANTS_LIMITS): Promise<GrantsSummary> {
  if ('path' in input) await stat(input.path).catch(() => {
    throw AppError.validation([{ field: 'file', message: `No file at ${input.path}` }]);
  });
  return (await checkSource(input, limits, (bytes) => readGrantsFileAsync(bytes, limits))).summary;
}

/** The check of a file's bytes (see validateGrantsFile). */
export async function validateGrantsBytes(bytes: Uint8Array, limits: GrantsLimits = DEFAULT_GRANTS_LIMITS): Promise<GrantsSummary> {
  return validateGrantsFile({ bytes }, limits);
}

/**
 * A draft's file read to keep its bytes (a draft stores them to publish later): refused before reading when the
 * file is larger than a file may be. Its check still reads the grants a batch at a time.
 */
async function boundedBytes(path: string, limits: GrantsLimits): Promise<Buffer> {
  const info = await stat(path);
  if (info.size > limits.maxBytes) throw AppError.validation([{ field: 'file', message: `The file is more than ${Math.round(limits.maxBytes / 1048576)} MB: split it, or import it at once with --yes (read as a stream)` }]);
  return readFile(path);
}

async function publisherFor(db: Db, actor: Actor, ref: string): Promise<Publisher> {
  const org = await getOrganisation(db, ref);
  await requireOrganisationRole(db, actor, org.id, GRANTS_PUBLISHING_ROLES);
  await requireVerifiedOrganisation(db, org.id, 'publish grants');
  return { id: org.id, name: org.name, slug: org.slug };
}

const canonical = (v: unknown): string => JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as object).sort(([a], [b]) => (a < b ? -1 : 1))) : x));

/** What a file changes for its publisher: counts, and the first ids of each kind (fields too, for a changed grant). */
export interface GrantsDifference {
  added: { count: number; ids: string[] };
  changed: { count: number; grants: { id: string; fields: string[] }[] };
  unchanged: { count: number };
  /** The publisher's current grants this file does not hold: kept as they are, not removed. */
  notInFile: { count: number; ids: string[] };
}

/** How many ids of each kind a difference lists (the counts are whole). */
export const DIFFERENCE_LIST = 200;

function changedFields(before: unknown, after: unknown): string[] {
  const a = (before && typeof before === 'object' ? before : {}) as Record<string, unknown>;
  const b = (after && typeof after === 'object' ? after : {}) as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => canonical(a[k]) !== canonical(b[k])).sort();
}

/** What a file would change for its publisher, worked out a batch of grants at a time (only the ids are kept). */
class DifferenceOf {
  private readonly ids = new Set<string>();
  private changed = 0;
  private unchanged = 0;
  private readonly difference: GrantsDifference = { added: { count: 0, ids: [] }, changed: { count: 0, grants: [] }, unchanged: { count: 0 }, notInFile: { count: 0, ids: [] } };
  constructor(private readonly db: Db, private readonly organisationId: string) {}

  async add(grants: readonly ReadGrant[]): Promise<void> {
    const current = await repo.currentVersions(this.db, this.organisationId, grants.map((g) => g.id));
    for (const g of grants) {
      this.ids.add(g.id);
      const c = current.get(g.id);
      if (!c) {
        if (this.difference.added.ids.length < DIFFERENCE_LIST) this.difference.added.ids.push(g.id);
        continue;
      }
      if (canonical(c.raw) === canonical(g.raw)) this.unchanged++;
      else {
        this.changed++;
        if (this.difference.changed.grants.length < DIFFERENCE_LIST) this.difference.changed.grants.push({ id: g.id, fields: changedFields(c.raw, g.raw) });
      }
    }
  }

  async finish(): Promise<{ counts: { new: number; changed: number; unchanged: number }; difference: GrantsDifference }> {
    const d = this.difference;
    for (const id of await repo.currentIds(this.db, this.organisationId)) {
      if (this.ids.has(id)) continue;
      d.notInFile.count++;
      if (d.notInFile.ids.length < DIFFERENCE_LIST) d.notInFile.ids.push(id);
    }
    const counts = { new: this.ids.size - this.changed - this.unchanged, changed: this.changed, unchanged: this.unchanged };
    return { counts, difference: { ...d, added: { ...d.added, count: counts.new }, changed: { ...d.changed, count: this.changed }, unchanged: { count: this.unchanged } } };
  }
}

/**
 * Imports a file at once (the CLI's `--yes`): publisher staff, finance officers and administrators of a
 * verified organisation, or a site administrator. All or nothing.
 */
export async function importGrantsFile(ctx: AppContext, actor: Actor, input: { publisher: string; source: { bytes: Uint8Array } | { path: string }; filename?: string | null }): Promise<ImportOutcome> {
  const publisher = await publisherFor(ctx.db, actor, input.publisher);
  const limits = limitsOf(ctx);
  const source = await openGrantsSource(input.source, limits, (bytes) => readChecked(bytes, limits));
  const filename = input.filename ?? ('path' in input.source ? input.source.path.split('/').pop()! : null);
  const { grantIds: _ids, ...outcome } = await withGrantsCopy(ctx.handle, async (trx, copy) => {
    const stored = await storeSource(trx, copy, actor, publisher, source, filename, null);
    if (stored.outcome === 'imported') await announceGroupCandidates(trx, actor, publisher, ctx.config.baseUrl);
    return stored;
  });
  return outcome;
}

// ---- drafts ----

export interface GrantsDraftPayload {
  publisher: Publisher;
}

export type GrantsDraft = Draft<GrantsDraftPayload, GrantsCheck>;

export interface GrantsDraftView {
  id: string;
  state: GrantsDraft['state'];
  publisher: Publisher;
  title: string;
  filename: string | null;
  createdAt: string;
  expiresAt: string;
  link: string;
  fileId: string | null;
  check: GrantsCheck;
}

const draftLink = (d: Pick<GrantsDraft, 'id' | 'payload'>) => `/grants/${d.payload.publisher.slug}/drafts/${d.id}`;

export function presentGrantsDraft(d: GrantsDraft): GrantsDraftView {
  return {
    id: d.id, state: d.state, publisher: d.payload.publisher, title: d.title, filename: d.filename, createdAt: d.createdAt.toISOString(),
    expiresAt: d.expiresAt.toISOString(), link: draftLink(d), fileId: d.resultId, check: d.check,
  };
}

registerDraftKind({ kind: GRANTS_FILE_DRAFT, label: 'Grants file', roles: GRANTS_PUBLISHING_ROLES, href: (d) => draftLink(d as GrantsDraft) });

/**
 * Holds an uploaded grants file as a draft for its publisher to check: read whole (a file that cannot be read
 * is refused, and nothing is kept), its check worked out (summary, problems, what it would change), its bytes
 * kept. The same bytes as an open draft give that draft back (`reused`); the same bytes as a published file
 * are a conflict. Audited (`draft.created`).
 */
export async function createGrantsDraft(ctx: AppContext, actor: Actor, input: { publisher: string; source: { bytes: Uint8Array } | { path: string }; filename?: string | null }): Promise<{ draft: GrantsDraftView; reused: boolean }> {
  const publisher = await publisherFor(ctx.db, actor, input.publisher);
  const limits = limitsOf(ctx);
  if ('path' in input.source) await stat(input.source.path).catch(() => {
    throw AppError.validation([{ field: 'file', message: `No file at ${(input.source as { path: string }).path}` }]);
  });
  // The same bytes again are answered before the grants are read. A JSON package is then checked as a stream
  // (checkSource), held to the upload's limit even when named by path.
  const bounded = 'path' in input.source ? { bytes: await boundedBytes(input.source.path, limits) } : input.source;
  const sha256 = await sha256Of(bounded);
  const published = await repo.findFileBySha(ctx.db, publisher.id, sha256);
  if (published) throw new AppError('conflict', `This file was published already on ${new Date(published.created_at).toISOString().slice(0, 10)}: the same bytes again change nothing`);
  const open = await findOpenDraftByFingerprint<GrantsDraftPayload, GrantsCheck>(ctx.db, publisher.id, GRANTS_FILE_DRAFT, sha256);
  if (open) return { draft: presentGrantsDraft(open), reused: true };
  const filename = input.filename ?? ('path' in input.source ? input.source.path.split('/').pop()! : null);
  const changes = new DifferenceOf(ctx.db, publisher.id);
  const { source, running, summary } = await checkSource(bounded, limits, (bytes) => readChecked(bytes, limits), (batch) => changes.add(batch));
  if (running.grants === 0) throw nothingReadable(source);
  const { counts, difference } = await changes.finish();
  const check: GrantsCheck = { ...summary, changes: counts, difference };
  const bytes = bounded.bytes;
  return ctx.db.transaction().execute(async (trx) => {
    const draft = await createDraft<GrantsDraftPayload, GrantsCheck>(trx, actor, {
      id: randomUUID(), organisationId: publisher.id, kind: GRANTS_FILE_DRAFT, title: `Grants ${check.firstAwardDate} to ${check.lastAwardDate}`,
      filename, fingerprint: sha256, payload: { publisher }, check, days: ctx.config.draftDays,
    });
    await saveDraftBytes(trx, draft, bytes);
    return { draft: presentGrantsDraft(draft), reused: false };
  });
}

export async function getGrantsDraft(db: Db, actor: Actor, id: string): Promise<GrantsDraftView> {
  return presentGrantsDraft(await openDraft<GrantsDraftPayload, GrantsCheck>(db, actor, id, GRANTS_FILE_DRAFT));
}

export async function listGrantsDrafts(db: Db, actor: Actor, publisherRef: string): Promise<GrantsDraftView[]> {
  const org = await getOrganisation(db, publisherRef);
  await requireOrganisationRole(db, actor, org.id, GRANTS_PUBLISHING_ROLES);
  return (await listOpenDrafts<GrantsDraftPayload, GrantsCheck>(db, org.id, [GRANTS_FILE_DRAFT])).map(presentGrantsDraft);
}

/**
 * Publishes a grants draft in one transaction: the kept bytes are read again and stored (as an import stores
 * them) and the draft closed. The organisation must still be verified. Already published, discarded or
 * expired: 409.
 */
export async function publishGrantsDraft(ctx: AppContext, actor: Actor, id: string, options: { pots?: readonly string[] } = {}): Promise<ImportOutcome & { draftId: string }> {
  return withGrantsCopy(ctx.handle, async (trx, copy) => {
    const draft = await lockOpenDraft<GrantsDraftPayload, GrantsCheck>(trx, actor, id, GRANTS_FILE_DRAFT);
    await requireVerifiedOrganisation(trx, draft.organisationId, 'publish grants');
    const limits = limitsOf(ctx);
    const source = await openGrantsSource({ bytes: await readDraftBytes(trx, draft) }, limits, (bytes) => readChecked(bytes, limits));
    const { grantIds, ...result } = await storeSource(trx, copy, actor, draft.payload.publisher, source, draft.filename, draft.id);
    // The pots the publisher chose on the check page: its grants in this file draw on them (grants.chains.ts).
    if (options.pots?.length) await linkFileToPots(trx, actor, draft.organisationId, grantIds, options.pots, result.fileId);
    if (result.outcome === 'imported') await announceGroupCandidates(trx, actor, draft.payload.publisher, ctx.config.baseUrl);
    await closeDraft(trx, actor, draft, 'published', result.fileId);
    return { ...result, draftId: draft.id };
  });
}

export async function discardGrantsDraft(ctx: AppContext, actor: Actor, id: string): Promise<GrantsDraftView> {
  return presentGrantsDraft((await discardDraft(ctx.db, actor, id, GRANTS_FILE_DRAFT)) as GrantsDraft);
}

// ---- reading what is published (public) ----

export interface Totals {
  grants: number;
  gbpPence: number;
  /** Other currencies, each in its own minor units: never added to pounds. */
  otherCurrencies: Record<string, { grants: number; total: number }>;
  firstAwardDate: string | null;
  lastAwardDate: string | null;
}

function totalsOf(rows: { currency: string; grants: number; total: number; first: string; last: string }[]): Totals {
  const t: Totals = { grants: 0, gbpPence: 0, otherCurrencies: {}, firstAwardDate: null, lastAwardDate: null };
  for (const r of rows) {
    t.grants += r.grants;
    if (r.currency === 'GBP') t.gbpPence += Number(r.total);
    else t.otherCurrencies[r.currency] = { grants: r.grants, total: Number(r.total) };
    if (!t.firstAwardDate || r.first < t.firstAwardDate) t.firstAwardDate = r.first;
    if (!t.lastAwardDate || r.last > t.lastAwardDate) t.lastAwardDate = r.last;
  }
  return t;
}

/** Every publisher with current grants, with totals (GBP and other currencies apart). */
export async function listGrantPublishers(db: Db): Promise<(Publisher & Totals)[]> {
  const rows = await repo.publisherTotals(db);
  const byOrg = new Map<string, typeof rows>();
  for (const r of rows) byOrg.set(r.organisation_id, [...(byOrg.get(r.organisation_id) ?? []), r]);
  const out: (Publisher & Totals)[] = [];
  for (const [orgId, list] of byOrg) {
    const org = await getOrganisation(db, orgId);
    out.push({ id: org.id, name: org.name, slug: org.slug, ...totalsOf(list) });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export interface GrantRow {
  id: string;
  version: number;
  title: string;
  amountMinor: number;
  currency: string;
  awardDate: string;
  funder: string | null;
  recipient: string | null;
  recipientType: string;
  programme: string | null;
  regrantType: string | null;
  location: { precision: string | null; source: string | null; laCode: string | null; smallAreaCode: string | null };
}

/** A publisher's current grants (newest award first, a page at a time), its totals and its files. */
export async function publisherGrants(db: Db, ref: string, page = 1, pageSize = 50) {
  const org = await getOrganisation(db, ref);
  const p = Math.max(1, Math.floor(page) || 1);
  const [totals, rows, files] = await Promise.all([repo.publisherTotals(db, org.id), repo.listGrants(db, org.id, { limit: pageSize, offset: (p - 1) * pageSize }), repo.listFiles(db, org.id)]);
  const grants: GrantRow[] = rows.map((r) => ({
    id: r.grant_id, version: r.version, title: r.title, amountMinor: Number(r.amount_minor), currency: r.currency, awardDate: r.award_date, funder: r.funder_name,
    recipient: r.recipient_type === 'individual' ? 'An individual' : r.recipient_name, recipientType: r.recipient_type, programme: r.programme, regrantType: r.regrant_type,
    location: { precision: r.location_precision, source: r.location_source, laCode: r.la_code, smallAreaCode: r.recipient_type === 'individual' ? null : r.small_area_code },
  }));
  return {
    publisher: { id: org.id, name: org.name, slug: org.slug } as Publisher,
    totals: totalsOf(totals), page: p, pageSize, grants,
    files: files.map((f) => ({ id: f.id, sha256: f.sha256, filename: f.filename, format: f.format, status: f.status,
      withdrawn: f.withdrawn_at ? { at: new Date(f.withdrawn_at).toISOString(), reason: f.withdrawn_reason ?? '' } : null, grantsRead: f.grants_read, grantsRejected: f.grants_rejected,
      changes: { new: f.grants_new, changed: f.grants_changed, unchanged: f.grants_unchanged }, gbpTotalPence: Number(f.gbp_total_pence), otherCurrencies: f.other_currencies as Record<string, number>,
      firstAwardDate: f.first_award_date, lastAwardDate: f.last_award_date, importedAt: new Date(f.created_at).toISOString() })),
  };
}

// ---- a published file: what it changed, and withdrawing it ----

export interface GrantsFileView {
  id: string;
  publisher: Publisher;
  filename: string | null;
  format: string;
  sha256: string;
  status: 'current' | 'withdrawn';
  importedAt: string;
  withdrawn: { at: string; reason: string } | null;
  grantsRead: number;
  grantsRejected: number;
  changes: { new: number; changed: number; unchanged: number };
  gbpTotalPence: number;
  otherCurrencies: Record<string, number>;
  firstAwardDate: string | null;
  lastAwardDate: string | null;
  difference: GrantsDifference | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A publisher's published file (public, withdrawn or not): its figures, state and what it changed. */
export async function getGrantsFile(db: Db, publisherRef: string, fileId: string): Promise<GrantsFileView> {
  const org = await getOrganisation(db, publisherRef);
  const f = UUID.test(fileId) ? await repo.findFile(db, org.id, fileId.toLowerCase()) : undefined;
  if (!f) throw new AppError('not_found', 'No such grants file for this publisher');
  return {
    id: f.id, publisher: { id: org.id, name: org.name, slug: org.slug }, filename: f.filename, format: f.format, sha256: f.sha256, status: f.status,
    importedAt: new Date(f.created_at).toISOString(), withdrawn: f.withdrawn_at ? { at: new Date(f.withdrawn_at).toISOString(), reason: f.withdrawn_reason ?? '' } : null,
    grantsRead: f.grants_read, grantsRejected: f.grants_rejected, changes: { new: f.grants_new, changed: f.grants_changed, unchanged: f.grants_unchanged },
    gbpTotalPence: Number(f.gbp_total_pence), otherCurrencies: f.other_currencies as Record<string, number>, firstAwardDate: f.first_award_date, lastAwardDate: f.last_award_date,
    difference: (f.difference as GrantsDifference | null) ?? null,
  };
}

/**
 * Withdraws a publisher's published grants file with a reason: in one transaction its grants stop being counted
 * (the version each had replaced, from a file still published, is counted again), and the file stays in the
 * record marked withdrawn, with when and why, for everyone to see. The publisher's staff, finance officers and
 * administrators, or a site administrator, may. Audited (`grants.file.withdrawn`).
 */
export async function withdrawGrantsFile(ctx: AppContext, actor: Actor, publisherRef: string, fileId: string, reasonInput: unknown): Promise<{ fileId: string; publisher: Publisher; withdrawnAt: string; reason: string; grantsWithdrawn: number; grantsRestored: number }> {
  const org = await getOrganisation(ctx.db, publisherRef);
  await requireOrganisationRole(ctx.db, actor, org.id, GRANTS_PUBLISHING_ROLES);
  const reason = typeof reasonInput === 'string' ? reasonInput.trim().replace(/\s+/g, ' ') : '';
  if (!reason) throw AppError.validation([{ field: 'reason', message: 'Say why the file is withdrawn: everyone will see it' }]);
  if (reason.length > 1000) throw AppError.validation([{ field: 'reason', message: 'The reason must be 1,000 characters or fewer' }]);
  if (!UUID.test(fileId)) throw new AppError('not_found', 'No such grants file for this publisher');
  return ctx.db.transaction().execute(async (trx) => {
    await repo.lockPublisher(trx, org.id);
    const file = await repo.findFileForUpdate(trx, org.id, fileId.toLowerCase());
    if (!file) throw new AppError('not_found', 'No such grants file for this publisher');
    if (file.status === 'withdrawn') throw new AppError('conflict', 'This file was already withdrawn');
    await startTotalsDelta(trx);
    const { withdrawn, restored } = await repo.withdrawFileGrants(trx, org.id, file.id);
    await applyTotalsDelta(trx, org.id);
    const at = await repo.markFileWithdrawn(trx, org.id, file.id, actor.userId, reason);
    await recordAudit(trx, actor, {
      action: 'grants.file.withdrawn', entityType: 'grants_file', entityId: file.id, organisationId: org.id,
      before: { status: file.status, grantsRead: file.grants_read, gbpTotalPence: Number(file.gbp_total_pence) },
      after: { status: 'withdrawn', reason, grantsWithdrawn: withdrawn, grantsRestored: restored },
    });
    return { fileId: file.id, publisher: { id: org.id, name: org.name, slug: org.slug }, withdrawnAt: new Date(at).toISOString(), reason, grantsWithdrawn: withdrawn, grantsRestored: restored };
  });
}

/**
 * Rebuilds the kept totals (areas, explorer, words, amounts) of one publisher, or of every publisher with
 * grants or totals, from their current grants — imports, publishes and withdrawals keep them by difference
 * (grants.totals.repository.ts), so this is for after a restore or a repair by hand. One transaction per
 * publisher, under its import lock; audited (`grants.totals.rebuilt`). The command line's (`grants totals rebuild`).
 */
export async function rebuildGrantsTotals(ctx: AppContext, actor: Actor, publisherRef?: string): Promise<{ publishers: { id: string; name: string; rows: number }[] }> {
  const ids = publisherRef ? [(await getOrganisation(ctx.db, publisherRef)).id] : await publishersWithTotals(ctx.db);
  const out: { id: string; name: string; rows: number }[] = [];
  for (const id of ids) {
    const org = await getOrganisation(ctx.db, id);
    const rows = await ctx.db.transaction().execute(async (trx) => {
      await repo.lockPublisher(trx, id);
      await refreshAreaTotals(trx, id);
      const n = await repo.keptTotalsRows(trx, id);
      await recordAudit(trx, actor, { action: 'grants.totals.rebuilt', entityType: 'organisation', entityId: id, organisationId: id, after: { rows: n } });
      return n;
    });
    out.push({ id, name: org.name, rows });
  }
  return { publishers: out };
}

// ---- grants made through a programme (grants.awards.ts) ----

/**
 * Publishes one grant a funder made through a programme on Commonweal, in the caller's transaction: the
 * 360Giving grant is read as any published file's grants are (so it is checked the same way) and stored as a
 * one-grant file of the funder, so it appears in search, exports and the fairness lens at once, and a
 * relatedActivity naming a pot the funder received links it as the pot's onward grant (grants.chains.ts).
 * The funder must be a verified organisation. A grant the reader rejects is refused (422), nothing written.
 */
export async function publishProgrammeGrant(trx: Db, actor: Actor, publisherId: string, grant: Record<string, unknown>): Promise<{ fileId: string; grantId: string }> {
  const org = await requireVerifiedOrganisation(trx, publisherId, 'publish grants');
  const bytes = new TextEncoder().encode(JSON.stringify({ grants: [grant] }));
  const read = readProgrammeGrant(bytes);
  if (read.grants.length !== 1) throw AppError.validation([{ field: 'grant', message: `The grant cannot be published: ${read.rejected[0]?.reason ?? 'it could not be read'}` }]);
  // Inside the award's own transaction: the grant goes through the same store as an import (stage, versions,
  // area totals, chain links, audit), its one row inserted rather than copied.
  const result = await storeSource(trx, insertingCopy(trx), actor, { id: org.id, name: org.name, slug: org.slug }, sourceOfRead(read), `programme-grant-${read.grants[0]!.id}.json`, null);
  return { fileId: result.fileId, grantId: read.grants[0]!.id };
}
