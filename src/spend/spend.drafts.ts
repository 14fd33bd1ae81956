// Spending files go through the platform's drafts (src/platform/drafts.ts): an upload is loaded the same fast
// way as a direct import — COPY into a table of its own, indexed — but that table is not attached to
// spend_lines, and nothing is added to the totals, the supplier register or the files list, until the
// publisher has read the check and published it. Publishing attaches it and does everything an import does,
// in one transaction; replacing the period's previous version happens then. The bytes are kept with the draft
// so that a changed mapping reads the file again. Published files can be withdrawn.
import { requireVerifiedPublicBody } from '../organisations/organisations.service.ts';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AppContext } from '../platform/module.ts';
import type { Actor } from '../platform/actor.ts';
import type { Db } from '../platform/db.ts';
import { AppError } from '../platform/errors.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { requireOrganisationRole } from '../platform/auth/policy.ts';
import {
  closeDraft, createDraft, discardDraft, findOpenDraftByFingerprint, listOpenDrafts, lockOpenDraft, openDraft, readDraftBytes,
  registerDraftKind, saveDraftBytes, updateDraft, type Draft,
} from '../platform/drafts.ts';
import { getOrganisation } from '../organisations/organisations.service.ts';
import { FileSuppliers } from './spend.filesuppliers.ts';
import { SPEND_FIELDS, type MappingOverride, type SpendField } from './spend.mapping.ts';
import { loadSpendFile, partialOverlap, PUBLISHING_ROLES, publishLoadedFile, type ImportInput, type ImportResult, type LoadedFile } from './spend.import.ts';
import { checkLoadedFile, type SpendCheck } from './spend.check.ts';
import * as repo from './spend.repository.ts';

export const SPEND_FILE_DRAFT = 'spend.file';

type SupplierRows = [key: string, names: string[], companies: string[], charities: string[]][];

export interface SpendDraftPayload {
  publisher: ImportResult['publisher'];
  loaded: LoadedFile;
  suppliers: SupplierRows;
  /** The period the publisher gave with the upload, as typed. */
  declaredPeriod: string | null;
  /** The mapping the publisher chose on the check page (every field), or null when it is the one worked out. */
  mappingOverride: MappingOverride | null;
}

export type SpendDraft = Draft<SpendDraftPayload, SpendCheck>;

export interface SpendDraftView {
  id: string;
  kind: string;
  state: SpendDraft['state'];
  publisher: ImportResult['publisher'];
  title: string;
  filename: string | null;
  createdAt: string;
  expiresAt: string;
  /** The check page. */
  link: string;
  /** Once published: the file it became. */
  fileId: string | null;
  mappingChosen: boolean;
  check: SpendCheck;
}

function draftLink(d: Pick<SpendDraft, 'id' | 'payload'>): string {
  return `/spend/${d.payload.publisher.slug}/drafts/${d.id}`;
}

export function presentSpendDraft(d: SpendDraft): SpendDraftView {
  return {
    id: d.id, kind: d.kind, state: d.state, publisher: d.payload.publisher, title: d.title, filename: d.filename,
    createdAt: d.createdAt.toISOString(), expiresAt: d.expiresAt.toISOString(), link: draftLink(d), fileId: d.resultId,
    mappingChosen: d.payload.mappingOverride !== null, check: d.check,
  };
}

registerDraftKind({
  kind: SPEND_FILE_DRAFT,
  label: 'Spending file',
  roles: PUBLISHING_ROLES,
  href: (d) => draftLink(d as SpendDraft),
  // The loaded lines of a draft that will never be published.
  cleanUp: async (trx, d) => repo.dropFileLines(trx, (d as SpendDraft).payload.loaded.fileId),
});

function supplierRows(suppliers: FileSuppliers): SupplierRows {
  return [...suppliers.suppliers].map(([key, s]) => [key, [...s.names], [...s.companies], [...s.charities]]);
}

function fileSuppliers(rows: SupplierRows): FileSuppliers {
  const out = new FileSuppliers();
  for (const [key, names, companies, charities] of rows) out.suppliers.set(key, { names: new Set(names), companies: new Set(companies), charities: new Set(charities) });
  return out;
}

function titleOf(loaded: LoadedFile): string {
  return `Spending ${loaded.periodFrom} to ${loaded.periodTo}`;
}

/**
 * Holds an uploaded spending file as a draft for its publisher to check: loads its lines (not visible to
 * anyone), works out the check, keeps the bytes. The same bytes as an open draft give that draft back
 * (`reused`); the same bytes as a published file are a conflict naming it. Publisher staff, finance officers,
 * administrators and site administrators may. Audited (`draft.created`).
 */
export async function createSpendDraft(ctx: AppContext, actor: Actor, input: ImportInput): Promise<{ draft: SpendDraftView; reused: boolean }> {
  // The bytes are kept with the draft, to read again when the mapping changes.
  const bytes = 'bytes' in input.source ? input.source.bytes : await readFile(input.source.path).catch(() => {
    throw AppError.validation([{ field: 'file', message: `No file at ${(input.source as { path: string }).path}` }]);
  });
  return loadSpendFile<{ draft: SpendDraftView; reused: boolean }>(ctx, actor, { ...input, source: { bytes } }, undefined, async (trx, loaded, suppliers, publisher) => {
    const check = await checkLoadedFile(trx, publisher.id, loaded);
    const payload: SpendDraftPayload = { publisher, loaded, suppliers: supplierRows(suppliers), declaredPeriod: input.period ?? null, mappingOverride: null };
    const draft = await createDraft<SpendDraftPayload, SpendCheck>(trx, actor, {
      id: randomUUID(), organisationId: publisher.id, kind: SPEND_FILE_DRAFT, title: titleOf(loaded), filename: loaded.filename,
      fingerprint: loaded.sha256, payload, check, days: ctx.config.draftDays,
    });
    await saveDraftBytes(trx, draft, bytes);
    return { draft: presentSpendDraft(draft), reused: false };
  }, async (publisher, sha256) => {
    const open = await findOpenDraftByFingerprint<SpendDraftPayload, SpendCheck>(ctx.db, publisher.id, SPEND_FILE_DRAFT, sha256);
    return open ? { draft: presentSpendDraft(open), reused: true } : null;
  });
}

/**
 * A spending draft, for its publisher's staff (others: forbidden; no such draft: not_found). What an open draft
 * would replace is read again when the publisher's current files changed since the check (another file was
 * published or withdrawn meanwhile), so the page never shows a stale replacement.
 */
export async function getSpendDraft(db: Db, actor: Actor, id: string): Promise<SpendDraftView> {
  const draft = await openDraft<SpendDraftPayload, SpendCheck>(db, actor, id, SPEND_FILE_DRAFT);
  if (draft.state !== 'draft') return presentSpendDraft(draft);
  const { loaded } = draft.payload;
  const overlapping = await repo.currentFilesOverlapping(db, draft.organisationId, loaded.periodFrom, loaded.periodTo);
  const checked = (draft.check.replaces?.files ?? []).map((f) => f.id);
  const same = !draft.check.blocked && overlapping.length === checked.length && overlapping.every((f) => checked.includes(f.id));
  if (same) return presentSpendDraft(draft);
  const blocked = partialOverlap({ from: loaded.periodFrom, to: loaded.periodTo }, overlapping);
  const replaces: SpendCheck['replaces'] = !blocked && overlapping.length ? {
    files: overlapping.map((f) => ({ id: f.id, periodFrom: f.period_from, periodTo: f.period_to, version: f.version, rowsImported: f.rows_imported, netTotalPence: f.net_total_pence, filename: f.filename })),
    diff: await repo.diffLoadedFile(db, draft.organisationId, overlapping.map((f) => f.id), loaded.fileId),
  } : null;
  const version = (await repo.lastVersion(db, draft.organisationId, loaded.periodFrom, loaded.periodTo)) + 1;
  return presentSpendDraft({ ...draft, check: { ...draft.check, blocked, replaces, version } });
}

/** A publisher's open spending drafts, for its staff. */
export async function listSpendDrafts(db: Db, actor: Actor, publisher: string): Promise<SpendDraftView[]> {
  const org = await getOrganisation(db, publisher);
  await requireOrganisationRole(db, actor, org.id, PUBLISHING_ROLES);
  return (await listOpenDrafts<SpendDraftPayload, SpendCheck>(db, org.id, [SPEND_FILE_DRAFT])).map(presentSpendDraft);
}

/**
 * Checks a mapping a publisher chose: field → one of the file's columns, or null (no column). Every field left
 * out is "no column". A column holds one field at most; the amount must have one.
 */
export function readMappingChoice(columns: readonly string[], input: unknown): MappingOverride {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw AppError.validation([{ field: 'mapping', message: 'Send the mapping as an object of field → column name (or null)' }]);
  const errors: { field: string; message: string }[] = [];
  const out: MappingOverride = {};
  const taken = new Map<string, SpendField>();
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (!(SPEND_FIELDS as readonly string[]).includes(key)) {
      errors.push({ field: key, message: `${key} is not a field of the Transparency Code this service knows` });
      continue;
    }
    const field = key as SpendField;
    if (value === null || value === undefined || value === '') continue;
    if (typeof value !== 'string' || !columns.includes(value)) {
      errors.push({ field, message: `The file has no column called “${String(value)}”: choose one of its columns, or none` });
      continue;
    }
    const other = taken.get(value);
    if (other) {
      errors.push({ field, message: `The column “${value}” is already chosen for ${other}: a column can give one field only` });
      continue;
    }
    taken.set(value, field);
    out[field] = value;
  }
  if (!errors.length && !out.netAmount) errors.push({ field: 'netAmount', message: 'Choose the column that holds the amount: a spending file without amounts cannot be published' });
  if (errors.length) throw AppError.validation(errors);
  for (const f of SPEND_FIELDS) if (out[f] === undefined) out[f] = null;
  return out;
}

/**
 * Reads a draft's file again with the mapping its publisher chose (every field named or none), and works out
 * the check again. The draft's previously loaded lines are dropped in the same transaction. Audited
 * (`draft.changed`, with the mapping).
 */
export async function remapSpendDraft(ctx: AppContext, actor: Actor, id: string, mappingInput: unknown): Promise<SpendDraftView> {
  const seen = await openDraft<SpendDraftPayload, SpendCheck>(ctx.db, actor, id, SPEND_FILE_DRAFT);
  if (seen.state !== 'draft') await lockOpenDraft(ctx.db, actor, id, SPEND_FILE_DRAFT); // throws the conflict
  const mapping = readMappingChoice(seen.payload.loaded.columns, mappingInput);
  const bytes = await readDraftBytes(ctx.db, seen);
  const input: ImportInput = { publisher: seen.organisationId, source: { bytes }, filename: seen.filename, period: seen.payload.declaredPeriod };
  return loadSpendFile(ctx, actor, input, mapping, async (trx, loaded, suppliers, publisher) => {
    const locked = await lockOpenDraft<SpendDraftPayload, SpendCheck>(trx, actor, id, SPEND_FILE_DRAFT);
    await repo.dropFileLines(trx, locked.payload.loaded.fileId);
    const check = await checkLoadedFile(trx, publisher.id, loaded);
    const payload: SpendDraftPayload = { ...locked.payload, publisher, loaded, suppliers: supplierRows(suppliers), mappingOverride: mapping };
    const updated = await updateDraft(trx, actor, locked, { payload, check, audit: { mapping, warnings: check.warnings.map((w) => w.code), rowsImported: check.rowsImported, netTotalPence: check.netTotalPence } });
    await trx.updateTable('platform_drafts').set({ title: titleOf(loaded) }).where('organisation_id', '=', locked.organisationId).where('id', '=', locked.id).execute();
    return presentSpendDraft({ ...updated, title: titleOf(loaded) });
  });
}

/**
 * Publishes a spending draft: every warning of its check must be acknowledged (by code), else nothing happens
 * and the error names what to tick. In one transaction: the file is published as an import publishes it
 * (replacing the period's previous version), the mapping the publisher chose is remembered for its next files,
 * and the draft is closed. A draft already published, discarded or expired is a conflict (409).
 */
export async function publishSpendDraft(ctx: AppContext, actor: Actor, id: string, acknowledged: readonly string[]): Promise<ImportResult & { draftId: string }> {
  return ctx.db.transaction().execute(async (trx) => {
    const draft = await lockOpenDraft<SpendDraftPayload, SpendCheck>(trx, actor, id, SPEND_FILE_DRAFT);
    // Verification may have been withdrawn since the upload: only a verified public body publishes.
    await requireVerifiedPublicBody(trx, draft.payload.publisher.id, 'publish spending');
    const missing = draft.check.warnings.filter((w) => !acknowledged.includes(w.code));
    if (missing.length) {
      throw AppError.validation(missing.map((w) => ({ field: 'acknowledge', message: `Tick to confirm you have checked: ${w.title}` })), 'Each warning must be acknowledged before the file is published');
    }
    const { publisher, loaded } = draft.payload;
    const replaces = draft.check.replaces;
    const result = await publishLoadedFile(trx, ctx.handle.engine, actor, publisher, loaded, fileSuppliers(draft.payload.suppliers), {
      knownDiff: replaces ? { replacedFileIds: replaces.files.map((f) => f.id), diff: replaces.diff } : null, draftId: draft.id,
    });
    if (draft.payload.mappingOverride) {
      const remembered = Object.fromEntries(Object.entries(draft.payload.mappingOverride).map(([k, v]) => [k, v ?? null]));
      await repo.saveMapping(trx, publisher.id, remembered, actor.userId);
      await recordAudit(trx, actor, { action: 'spend.mapping.confirmed', entityType: 'spend_mapping', entityId: publisher.id, organisationId: publisher.id, after: remembered });
    }
    await closeDraft(trx, actor, draft, 'published', result.fileId);
    return { ...result, draftId: draft.id };
  });
}

/** Discards an open spending draft: its loaded lines and bytes go, its record stays. Audited. */
export async function discardSpendDraft(ctx: AppContext, actor: Actor, id: string): Promise<SpendDraftView> {
  const draft = await discardDraft(ctx.db, actor, id, SPEND_FILE_DRAFT);
  return presentSpendDraft(draft as SpendDraft);
}

/**
 * Withdraws a publisher's current spending file with a reason: its totals are taken away in the same
 * transaction (so the totals stay equal to the lines), it stays in the record marked withdrawn, with when and
 * why, for everyone to see. The publisher's staff, finance officers, administrators and site administrators
 * may. Audited (`spend.file.withdrawn`).
 */
export async function withdrawSpendFile(ctx: AppContext, actor: Actor, publisher: string, fileId: string, reasonInput: unknown): Promise<{ fileId: string; publisher: ImportResult['publisher']; withdrawnAt: string; reason: string }> {
  const org = await getOrganisation(ctx.db, publisher);
  await requireOrganisationRole(ctx.db, actor, org.id, PUBLISHING_ROLES);
  const reason = typeof reasonInput === 'string' ? reasonInput.trim().replace(/\s+/g, ' ') : '';
  if (!reason) throw AppError.validation([{ field: 'reason', message: 'Say why the file is withdrawn: everyone will see it' }]);
  if (reason.length > 1000) throw AppError.validation([{ field: 'reason', message: 'The reason must be 1,000 characters or fewer' }]);
  if (!/^[0-9a-f-]{36}$/i.test(fileId)) throw new AppError('not_found', 'No such spend file for this publisher');
  return ctx.db.transaction().execute(async (trx) => {
    await repo.lockPublisherFiles(trx, org.id);
    const file = await repo.findFileForUpdate(trx, org.id, fileId.toLowerCase());
    if (!file) throw new AppError('not_found', 'No such spend file for this publisher');
    if (file.status === 'withdrawn') throw new AppError('conflict', 'This file was already withdrawn');
    if (file.status !== 'current') throw new AppError('conflict', 'This version was replaced by a newer one and is not counted: withdraw the current version instead');
    await repo.addFileTotals(trx, org.id, null, [file.id]);
    await repo.markWithdrawn(trx, org.id, file.id, actor.userId, reason);
    const withdrawnAt = new Date().toISOString();
    await recordAudit(trx, actor, {
      action: 'spend.file.withdrawn', entityType: 'spend_file', entityId: file.id, organisationId: org.id,
      before: { status: file.status, rowsImported: file.rows_imported, netTotalPence: file.net_total_pence, periodFrom: file.period_from, periodTo: file.period_to },
      after: { status: 'withdrawn', reason },
    });
    return { fileId: file.id, publisher: { id: org.id, name: org.name, slug: org.slug }, withdrawnAt, reason };
  });
}
