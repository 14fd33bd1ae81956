// Stores a grants file for its publisher as a stream, in the caller's COPY transaction (all or nothing): the
// grants come a batch at a time (grants.stream.ts), their places are resolved a batch at a time, and they are
// COPYed into a staging table; the comparison with the publisher's current grants, the replaced versions and the
// new versions are then SQL over that table (grants.stage.repository.ts). Memory holds one batch, the summary's
// running figures, the problems, and each grant's id (for the chains' relatedActivity links) — not the file.
//
// The same bytes again change nothing (`unchanged`, answered from the file's row when it has its figures); a
// newer file replaces the grants it holds by id, the old version kept; a grant whose JSON is the same is left.
import type { Actor } from '../platform/actor.ts';
import type { Db } from '../platform/db.ts';
import { AppError } from '../platform/errors.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { placesOf } from '../places/places.service.ts';
import type { GrantProblem, ReadFile, ReadGrant } from './grants.read.ts';
import { readFile, stat } from 'node:fs/promises';
import { isJsonFile, jsonSource, sha256Of, sourceOfRead, type GrantsSource } from './grants.stream.ts';
import * as repo from './grants.repository.ts';
import * as stage from './grants.stage.repository.ts';
import { copyLine, STAGE_COPY, type OpenCopy } from './grants.load.ts';
import { linkByRelatedActivity } from './grants.chains.ts';
import { applyTotalsDelta, startTotalsDelta } from './grants.totals.repository.ts';
import type { GrantsDifference, GrantsSummary, ImportOutcome, Publisher } from './grants.service.ts';

/** Grants a batch: read, places looked up and COPYed together (a COPY statement a batch). */
export const BATCH = 10_000;
const LIST = 200;

const canonical = (v: unknown): string => JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as object).sort(([a], [b]) => (a < b ? -1 : 1))) : x));

function changedFields(before: unknown, after: unknown): string[] {
  const a = (before && typeof before === 'object' ? before : {}) as Record<string, unknown>;
  const b = (after && typeof after === 'object' ? after : {}) as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => canonical(a[k]) !== canonical(b[k])).sort();
}

/** The summary's figures, gathered as the grants go by. */
export class RunningSummary {
  grants = 0;
  gbp = 0;
  other: Record<string, number> = {};
  funders = new Set<string>();
  recipients = new Set<string>();
  first: string | null = null;
  last: string | null = null;

  add(g: ReadGrant): void {
    this.grants++;
    if (g.currency === 'GBP') this.gbp += g.amountMinor;
    else this.other[g.currency] = (this.other[g.currency] ?? 0) + g.amountMinor;
    const f = g.funderOrgId ?? g.funderName;
    if (f) this.funders.add(f);
    const r = g.recipientOrgId ?? g.recipientName;
    if (r) this.recipients.add(r);
    if (this.first === null || g.awardDate < this.first) this.first = g.awardDate;
    if (this.last === null || g.awardDate > this.last) this.last = g.awardDate;
  }

  summary(source: GrantsSource): GrantsSummary {
    return summaryOf(source, { grants: this.grants, gbp: this.gbp, other: this.other, funders: this.funders.size, recipients: this.recipients.size, first: this.first, last: this.last });
  }
}

function summaryOf(source: Pick<GrantsSource, 'format' | 'sha256' | 'problems' | 'rejected'>, f: { grants: number; gbp: number; other: Record<string, number>; funders: number; recipients: number; first: string | null; last: string | null }): GrantsSummary {
  const problemCounts: Record<string, number> = {};
  for (const p of source.problems) problemCounts[`${p.severity}:${p.code}`] = (problemCounts[`${p.severity}:${p.code}`] ?? 0) + 1;
  return {
    grantsImported: f.grants, grantsRejected: source.rejected.length, gbpTotalPence: f.gbp, otherCurrencies: f.other, funders: f.funders, recipients: f.recipients,
    firstAwardDate: f.first, lastAwardDate: f.last, problems: source.problems, sha256: source.sha256, rejected: source.rejected, format: source.format, problemCounts,
  };
}

/** The refusal of a file none of whose grants can be read (as the whole-file reader refuses it). */
export function nothingReadable(source: Pick<GrantsSource, 'rejected'>): AppError {
  const reasons = source.rejected.slice(0, 5).map((r) => `grant ${r.index}${r.id ? ` (${r.id})` : ''}: ${r.reason}`);
  return AppError.validation([{ field: 'grants', message: source.rejected.length ? `No grant in the file can be read: ${reasons.join('; ')}${source.rejected.length > 5 ? '; …' : ''}` : 'The file holds no grants' }]);
}

/** GRANTS_TIMING=1 prints how long each phase of storing a file takes (for the benchmark). */
export function timer() {
  let t = performance.now();
  return (label: string) => {
    if (process.env.GRANTS_TIMING !== '1') return;
    const now = performance.now();
    process.stderr.write(`grants: ${label} ${((now - t) / 1000).toFixed(2)} s\n`);
    t = now;
  };
}

type FileRow = NonNullable<Awaited<ReturnType<typeof repo.findFileBySha>>>;

/** The summary of a file stored already, from its row (null when the row predates the figures it needs). */
function summaryOfRow(f: FileRow): GrantsSummary | null {
  if (f.funders === null || f.recipients === null) return null;
  return summaryOf({ format: f.format, sha256: f.sha256, problems: f.problems as GrantProblem[], rejected: f.rejected as GrantsSummary['rejected'] }, {
    grants: f.grants_read, gbp: Number(f.gbp_total_pence), other: f.other_currencies as Record<string, number>, funders: f.funders, recipients: f.recipients,
    first: f.first_award_date, last: f.last_award_date,
  });
}

/**
 * Stores a file read as a stream. Returns `unchanged` when the publisher has these bytes already; refuses (and so
 * rolls back) a file with no grant that can be read. Audited (`grants.file.imported`).
 */
export async function storeSource(trx: Db, copy: OpenCopy, actor: Actor, publisher: Publisher, source: GrantsSource, filename: string | null, draftId: string | null): Promise<ImportOutcome & { grantIds: string[] }> {
  const phase = timer();
  await repo.lockPublisher(trx, publisher.id);
  const existing = await repo.findFileBySha(trx, publisher.id, source.sha256);
  const running = new RunningSummary();
  if (existing) {
    let summary = summaryOfRow(existing);
    if (!summary) {
      for await (const batch of source.batches(BATCH)) for (const g of batch) running.add(g);
      summary = running.summary(source);
    }
    return { ...summary, outcome: 'unchanged', fileId: existing.id, publisher, changes: { new: 0, changed: 0, unchanged: existing.grants_read }, grantIds: [] };
  }
  // The file's row first (its figures once the file is read), so that every grant version can name it.
  const fileId = await repo.insertFile(trx, {
    organisation_id: publisher.id, sha256: source.sha256, filename, format: source.format, grants_read: 0, grants_rejected: 0, grants_new: 0, grants_changed: 0, grants_unchanged: 0,
    gbp_total_pence: 0, other_currencies: '{}', first_award_date: null, last_award_date: null, problems: '[]', rejected: '[]', draft_id: draftId, created_by: actor.userId,
  });
  await stage.createStage(trx);
  const links: { id: string; relatedActivity: string[]; regrantType: string | null }[] = [];
  const NONE: string[] = [];
  let ord = 0;
  for await (const batch of source.batches(BATCH)) {
    const places = await placesOf(trx, {
      postcodes: batch.map((g) => g.location.postcode).filter((p): p is string => p !== null),
      areaCodes: batch.filter((g) => g.location.precision === 'small-area').map((g) => g.location.code!),
    });
    let text = '';
    for (const g of batch) {
      running.add(g);
      links.push({ id: g.id, relatedActivity: g.relatedActivity.length ? g.relatedActivity : NONE, regrantType: g.regrantType });
      const l = g.location;
      const fromPostcode = l.postcode ? places.postcodes.get(l.postcode) : undefined;
      const smallArea = l.precision === 'small-area' ? l.code : fromPostcode?.areaCode ?? null;
      const la = l.precision === 'local-authority' ? l.code : l.precision === 'small-area' ? places.areas.get(l.code!) ?? null : fromPostcode?.laCode ?? null;
      text += `${ord++}\t${copyLine({
        organisation_id: publisher.id, grant_id: g.id, version: 0, file_id: fileId, title: g.title, description: g.description,
        amount_minor: g.amountMinor, currency: g.currency, award_date: g.awardDate, funder_org_id: g.funderOrgId, funder_name: g.funderName,
        recipient_org_id: g.recipientOrgId, recipient_name: g.recipientName, recipient_type: g.recipientType, programme: g.programme, regrant_type: g.regrantType,
        related_activity: g.relatedActivity, location_code: l.code, location_code_type: l.codeType, location_name: l.name, location_postcode: l.postcode,
        location_source: l.source, location_precision: l.precision, small_area_code: smallArea, la_code: la, raw: JSON.stringify(g.raw),
      })}`;
    }
    // A COPY of its own for each batch: on PostgreSQL the connection carries nothing else while a COPY is open,
    // and the next batch's places are looked up on it.
    const sink = copy(STAGE_COPY);
    await sink.write(text);
    await sink.end();
  }
  phase('read, check, resolve places and stage the grants');
  if (running.grants === 0) throw nothingReadable(source);
  await stage.analyseStage(trx);
  const counts = await stage.stageCounts(trx, publisher.id);
  const changes = { new: counts.grants - counts.changed - counts.unchanged, changed: counts.changed, unchanged: counts.unchanged };
  const difference: GrantsDifference = {
    added: { count: changes.new, ids: changes.new ? await stage.stageAdded(trx, publisher.id, LIST) : [] },
    changed: { count: changes.changed, grants: changes.changed ? (await stage.stageChanged(trx, publisher.id, LIST)).map((r) => ({ id: r.grant_id, fields: changedFields(r.before, r.after) })) : [] },
    unchanged: { count: changes.unchanged },
    notInFile: await stage.stageNotInFile(trx, publisher.id, LIST),
  };
  phase('compare with current grants');
  await startTotalsDelta(trx);
  await stage.storeStage(trx, publisher.id);
  phase('write new and changed versions');
  // The kept totals by difference: the replaced versions out, the new versions in (not rebuilt for the publisher).
  await applyTotalsDelta(trx, publisher.id);
  phase('kept totals (areas, explorer, words, amounts), by difference');
  const summary = running.summary(source);
  await repo.completeFile(trx, publisher.id, fileId, {
    grants_read: summary.grantsImported, grants_rejected: summary.grantsRejected, grants_new: changes.new, grants_changed: changes.changed, grants_unchanged: changes.unchanged,
    gbp_total_pence: summary.gbpTotalPence, other_currencies: JSON.stringify(summary.otherCurrencies), first_award_date: summary.firstAwardDate, last_award_date: summary.lastAwardDate,
    problems: JSON.stringify(summary.problems), rejected: JSON.stringify(summary.rejected), difference: JSON.stringify(difference), funders: summary.funders, recipients: summary.recipients,
  });
  await linkByRelatedActivity(trx, actor, publisher.id, links, fileId);
  phase('chains');
  await recordAudit(trx, actor, {
    action: 'grants.file.imported', entityType: 'grants_file', entityId: fileId, organisationId: publisher.id,
    after: { sha256: source.sha256, filename, grantsImported: summary.grantsImported, grantsRejected: summary.grantsRejected, changes, gbpTotalPence: summary.gbpTotalPence, otherCurrencies: summary.otherCurrencies, draftId },
  });
  return { ...summary, outcome: 'imported', fileId, publisher, changes, grantIds: links.map((l) => l.id) };
}

/** Files named by path may be this large when read as a stream (memory does not grow with the file). */
export const STREAM_MAX_BYTES = 4 * 1024 * 1024 * 1024;

/**
 * A file as a source of grants: a JSON package (gzip too) is read as a stream; CSV and XLSX are read whole (in a
 * worker thread when large), as before. A path is limited to STREAM_MAX_BYTES decompressed, bytes to `limits`.
 */
export async function openGrantsSource(input: { bytes: Uint8Array } | { path: string }, limits: { maxBytes: number; maxGrants: number }, readWhole: (bytes: Uint8Array) => Promise<ReadFile>): Promise<GrantsSource> {
  if ('path' in input) {
    const info = await stat(input.path).catch(() => null);
    if (!info?.isFile()) throw AppError.validation([{ field: 'file', message: `No file at ${input.path}` }]);
  }
  const streamLimits = { maxBytes: 'path' in input ? STREAM_MAX_BYTES : limits.maxBytes, maxGrants: limits.maxGrants };
  if (await isJsonFile(input, streamLimits.maxBytes)) return jsonSource(input, await sha256Of(input), streamLimits);
  return sourceOfRead(await readWhole('bytes' in input ? input.bytes : await readFile(input.path)));
}
