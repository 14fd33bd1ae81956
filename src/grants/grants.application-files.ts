// The files of an application's `file` questions (issue 19): the applicant or a co-applicant uploads one file a
// question while the application is a draft and the programme is open, replaces or removes it, and cannot
// submit until every required file question has one. Its bytes are kept in the database beside the application
// (grants_application_files, migration 0046).
//
// Untrusted input: at most APPLICATION_FILE_MAX_BYTES; the type is worked out from the bytes (never from the
// browser or the name): PDF, Word (.docx), Excel (.xlsx), OpenDocument text (.odt), PNG, JPEG, plain text or
// CSV. A zip is looked into by its directory only (nothing is inflated), so a zip bomb costs nothing; a
// macro-enabled Office file is refused. The stored name keeps no path and ends with the extension of its type.
//
// Privacy: nothing of an application is public. A file downloads only for the applicant and co-applicants, the
// funder's staff, the panel chair and the programme's assessors who have not declared a conflict of interest on
// the application; anybody else gets 404, as for the application itself.
import { createHash } from 'node:crypto';
import { unzipSync } from 'fflate';
import type { AppContext } from '../platform/module.ts';
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { AppError } from '../platform/errors.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import * as repo from './grants.programmes.repository.ts';
import { loadApplication, type ApplicationRole } from './grants.applications.ts';
import { stateOf, type Question } from './grants.programmes.ts';

/** The largest file a question takes: the same as any multipart form (platform/http.ts `uploadLimitBytes`). */
export const APPLICATION_FILE_MAX_BYTES = 10 * 1024 * 1024;

/** What the upload page says is taken. */
export const ALLOWED_TYPES_TEXT = 'PDF, Word (.docx), Excel (.xlsx), OpenDocument text (.odt), PNG or JPEG image, or plain text or CSV';

export interface FileType { contentType: string; extensions: string[]; label: string }

const TYPES = {
  pdf: { contentType: 'application/pdf', extensions: ['pdf'], label: 'PDF' },
  docx: { contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', extensions: ['docx'], label: 'Word document' },
  xlsx: { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', extensions: ['xlsx'], label: 'Excel workbook' },
  odt: { contentType: 'application/vnd.oasis.opendocument.text', extensions: ['odt'], label: 'OpenDocument text' },
  png: { contentType: 'image/png', extensions: ['png'], label: 'PNG image' },
  jpeg: { contentType: 'image/jpeg', extensions: ['jpg', 'jpeg'], label: 'JPEG image' },
  csv: { contentType: 'text/csv', extensions: ['csv'], label: 'CSV file' },
  text: { contentType: 'text/plain', extensions: ['txt'], label: 'Text file' },
} satisfies Record<string, FileType>;

const starts = (b: Uint8Array, sig: number[], at = 0) => b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const ODT_MIMETYPE = 'application/vnd.oasis.opendocument.text';

/** What a zip is, by the names in its directory (nothing is inflated); or why it is refused. */
function zipType(bytes: Uint8Array): FileType | string {
  // OpenDocument: the first entry is `mimetype`, stored, without an extra field, holding the type (ODF 1.2 §3.3).
  const nameLength = (bytes[26] ?? 0) | ((bytes[27] ?? 0) << 8);
  const extraLength = (bytes[28] ?? 0) | ((bytes[29] ?? 0) << 8);
  const firstName = Buffer.from(bytes.subarray(30, 30 + nameLength)).toString('latin1');
  const names = new Set<string>();
  try {
    unzipSync(bytes, { filter: (f) => { if (names.size < 20_000) names.add(f.name); return false; } });
  } catch {
    return 'It looks like a ZIP archive but it is damaged: save the document again and upload that.';
  }
  if (firstName === 'mimetype') {
    const at = 30 + nameLength + extraLength;
    const mimetype = Buffer.from(bytes.subarray(at, at + ODT_MIMETYPE.length + 20)).toString('latin1');
    if (mimetype.startsWith(ODT_MIMETYPE) && !mimetype.startsWith(`${ODT_MIMETYPE}-`) && names.has('content.xml')) return TYPES.odt;
    return 'It is an OpenDocument file, but not a text document (.odt): save it as .odt or PDF and upload that.';
  }
  if ([...names].some((n) => /vbaProject\.bin$/i.test(n))) return 'It is an Office file with macros in it: save it without macros (.docx or .xlsx) or as a PDF and upload that.';
  if (names.has('[Content_Types].xml') && names.has('word/document.xml')) return TYPES.docx;
  if (names.has('[Content_Types].xml') && names.has('xl/workbook.xml')) return TYPES.xlsx;
  return 'It is a ZIP archive, not a Word, Excel or OpenDocument text document: upload the document itself.';
}

/** Text has tabs and line breaks but almost no other control bytes, and no NUL; binary data is full of them. */
function isText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 64 * 1024);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 0) return false;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) control++;
  }
  return control <= n * 0.01;
}

/**
 * Works out what a file is from its bytes (the name only tells CSV from other text). Returns its type, or a
 * sentence saying why it is not taken.
 */
export function identifyFile(bytes: Uint8Array, filename: string | null): FileType | string {
  if (bytes.length === 0) return 'The file is empty.';
  // A PDF's header may follow a little junk (ISO 32000-1 §7.5.2 lets readers look in the first 1,024 bytes).
  if (Buffer.from(bytes.subarray(0, 1024)).includes('%PDF-')) return TYPES.pdf;
  if (starts(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) && starts(bytes, ascii('IHDR'), 12)) return TYPES.png;
  if (starts(bytes, [0xff, 0xd8, 0xff])) return TYPES.jpeg;
  if (starts(bytes, [0x50, 0x4b, 0x03, 0x04])) return zipType(bytes);
  if (starts(bytes, [0xd0, 0xcf, 0x11, 0xe0])) return 'It is an old Word or Excel file (.doc or .xls): save it as .docx, .xlsx or PDF and upload that.';
  if (starts(bytes, ascii('GIF8'))) return 'It is a GIF image: upload a PNG or JPEG instead.';
  if (starts(bytes, [0x4d, 0x5a]) || starts(bytes, [0x7f, 0x45, 0x4c, 0x46])) return 'It is a program, not a document.';
  if (starts(bytes, [0x1f, 0x8b])) return 'It is a compressed (gzip) file: upload the document itself.';
  if (isText(bytes)) return /\.csv$/i.test(filename ?? '') ? TYPES.csv : TYPES.text;
  return `It is not a file of a kind this form takes: upload a ${ALLOWED_TYPES_TEXT} file.`;
}

/**
 * The name kept and sent with the file: the last part of what the computer gave (no folders), without control
 * or quoting characters, at most 200 characters, ending in an extension of its type (added when it does not).
 */
export function safeFilename(given: string | null, type: FileType): string {
  let name = (given ?? '').replace(/^.*[\\/]/, '').normalize('NFC').replace(/[\u0000-\u001f\u007f"<>|:*?\\]/g, '').replace(/\s+/g, ' ').trim().replace(/^\.+/, '');
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(name)?.[1]?.toLowerCase();
  if (!ext || !type.extensions.includes(ext)) name = `${name || 'file'}.${type.extensions[0]}`;
  if (name.length > 200) {
    const tail = name.slice(name.lastIndexOf('.'));
    name = name.slice(0, 200 - tail.length) + tail;
  }
  return name;
}

/** "2.4 MB", "830 KB", "512 bytes". */
export function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024).toLocaleString('en-GB')} KB`;
  return `${bytes} bytes`;
}

function fileQuestion(p: { questions: unknown }, key: string): Question {
  const q = (p.questions as Question[]).find((x) => x.key === key && x.kind === 'file');
  if (!q) throw new AppError('not_found', 'This application has no such file question');
  return q;
}

const isApplicantSide = (r: ApplicationRole) => r === 'applicant' || r === 'co-applicant';

/** Loads a draft application for its applicant side to change, its row locked; refused when closed or submitted. */
async function forChange(trx: Db, actor: Actor, id: string, key: string) {
  const loaded = await loadApplication(trx, actor, id, { forUpdate: true });
  const q = fileQuestion(loaded.programme, key);
  if (!isApplicantSide(loaded.role)) throw new AppError('forbidden', 'Only the applicant and co-applicants change an application');
  if (loaded.app.status !== 'draft') throw new AppError('conflict', 'This application was submitted already: its files cannot be changed');
  const state = stateOf(loaded.programme);
  if (state === 'closed') throw new AppError('unprocessable', `This programme closed on ${loaded.programme.closes_on}: applications are no longer taken`);
  if (state === 'upcoming') throw new AppError('unprocessable', `This programme opens on ${loaded.programme.opens_on}: you can apply from then`);
  return { ...loaded, question: q };
}

export interface UploadedFileView { questionKey: string; filename: string; contentType: string; sizeBytes: number; sizeText: string; uploadedAt: string }

/**
 * Keeps the file for one `file` question of a draft application, replacing any it had: applicant and
 * co-applicants, while the programme is open. A file too large, empty or of a kind not taken is refused with
 * the question named, and nothing changes. The same bytes sent again are not written again (only a new name
 * is kept). Audited.
 */
export async function uploadApplicationFile(ctx: AppContext, actor: Actor, id: string, key: string, input: { bytes: Uint8Array | null | undefined; filename?: string | null }) {
  return ctx.db.transaction().execute(async (trx) => {
    const { app, question: q } = await forChange(trx, actor, id, key);
    const field = `answers.${q.key}`;
    const bytes = input.bytes;
    if (!bytes || (bytes.length === 0 && !input.filename)) throw AppError.validation([{ field, message: `${q.label}: choose a file to upload` }]);
    if (bytes.length > APPLICATION_FILE_MAX_BYTES) throw AppError.validation([{ field, message: `${q.label}: the file is ${sizeText(bytes.length)}; it must be ${sizeText(APPLICATION_FILE_MAX_BYTES)} or less` }]);
    const type = identifyFile(bytes, input.filename ?? null);
    if (typeof type === 'string') throw AppError.validation([{ field, message: `${q.label}: ${type.charAt(0).toLowerCase()}${type.slice(1)}${type.includes('upload a') ? '' : ` This question takes a ${ALLOWED_TYPES_TEXT} file.`}` }]);
    const filename = safeFilename(input.filename ?? null, type);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const before = (await repo.filesOf(trx, app.organisation_id, app.id)).find((f) => f.question_key === q.key);
    const unchanged = before?.sha256 === sha256;
    if (unchanged && before.filename === filename) return { questionKey: q.key, filename, sizeBytes: bytes.length, unchanged: true };
    if (unchanged) await repo.renameFile(trx, app.organisation_id, app.id, q.key, filename);
    else await repo.putFile(trx, { organisation_id: app.organisation_id, application_id: app.id, question_key: q.key, filename, content_type: type.contentType, size_bytes: bytes.length, sha256, data: bytes, uploaded_by: actor.userId });
    await recordAudit(trx, actor, {
      action: before ? 'grants.application.file-replaced' : 'grants.application.file-uploaded', entityType: 'grants_application', entityId: app.id, organisationId: app.organisation_id,
      before: before ? { question: q.key, filename: before.filename, bytes: before.size_bytes, sha256: before.sha256 } : undefined,
      after: { question: q.key, filename, type: type.contentType, bytes: bytes.length, sha256 },
    });
    return { questionKey: q.key, filename, sizeBytes: bytes.length, unchanged: false };
  });
}

/** Removes a question's file from a draft application (applicant side, programme open). 404 when it has none. Audited. */
export async function removeApplicationFile(ctx: AppContext, actor: Actor, id: string, key: string) {
  return ctx.db.transaction().execute(async (trx) => {
    const { app, question: q } = await forChange(trx, actor, id, key);
    const before = (await repo.filesOf(trx, app.organisation_id, app.id)).find((f) => f.question_key === q.key);
    if (!before || !(await repo.deleteFile(trx, app.organisation_id, app.id, q.key))) throw new AppError('not_found', `${q.label}: no file is uploaded to remove`);
    await recordAudit(trx, actor, { action: 'grants.application.file-removed', entityType: 'grants_application', entityId: app.id, organisationId: app.organisation_id, before: { question: q.key, filename: before.filename, bytes: before.size_bytes, sha256: before.sha256 } });
    return { questionKey: q.key, removed: true };
  });
}

/** True when this person may download the application's files: its role, and for an assessor no conflict declared. */
export async function mayDownloadFiles(db: Db, actor: Actor, app: { organisation_id: string; id: string }, role: ApplicationRole): Promise<boolean> {
  if (role !== 'assessor') return true;
  const mine = await repo.assessmentOf(db, app.organisation_id, app.id, actor.userId!);
  return !mine?.conflict;
}

/** The files of an application, by question key (no bytes), for those who may see the application. */
export async function applicationFiles(db: Db, app: { organisation_id: string; id: string }): Promise<Record<string, UploadedFileView>> {
  const out: Record<string, UploadedFileView> = {};
  for (const f of await repo.filesOf(db, app.organisation_id, app.id)) {
    out[f.question_key] = { questionKey: f.question_key, filename: f.filename, contentType: f.content_type, sizeBytes: f.size_bytes, sizeText: sizeText(f.size_bytes), uploadedAt: new Date(f.uploaded_at).toISOString() };
  }
  return out;
}

/**
 * A question's file with its bytes, to download: for the applicant and co-applicants, the funder's staff, the
 * panel chair and the programme's assessors without a conflict of interest on it. Everyone else, and a
 * question with no file, gets 404.
 */
export async function downloadApplicationFile(db: Db, actor: Actor, id: string, key: string) {
  const { app, programme, role } = await loadApplication(db, actor, id);
  if (!(await mayDownloadFiles(db, actor, app, role))) throw new AppError('not_found', 'No such application');
  fileQuestion(programme, key);
  const f = await repo.fileWithBytes(db, app.organisation_id, app.id, key);
  if (!f) throw new AppError('not_found', 'No file is uploaded for this question');
  return { filename: f.filename, contentType: f.content_type, sizeBytes: f.size_bytes, sha256: f.sha256, bytes: Buffer.from(f.data) };
}
