// Senior salaries lists uploaded as CSV go through the platform's drafts like spending files: the list is
// read and checked, held as a draft that only the publisher's staff see, and replaces the list for its date
// only when published.
import { requireVerifiedPublicBody } from '../organisations/organisations.service.ts';
import type { AppContext } from '../platform/module.ts';
import type { Actor } from '../platform/actor.ts';
import type { Db } from '../platform/db.ts';
import { closeDraft, createDraft, discardDraft, lockOpenDraft, openDraft, registerDraftKind, type Draft } from '../platform/drafts.ts';
import { PUBLISHING_ROLES } from './spend.import.ts';
import { readSalaryUpload, salaryListSize, writeSalaryList, type SalaryCsvResult, type SalaryImportResult, type SalaryUpload } from './spend.salaries.ts';

export const SALARIES_DRAFT = 'spend.salaries';

export interface SalaryCheck {
  asAt: string;
  posts: number;
  /** Posts the published list for this date has now: all are replaced on publishing. */
  replaces: number;
  columns: Record<string, string>;
  warnings: string[];
  rows: SalaryCsvResult['posts'];
}

export type SalaryDraft = Draft<SalaryUpload, SalaryCheck>;

export interface SalaryDraftView {
  id: string;
  state: SalaryDraft['state'];
  publisher: SalaryUpload['publisher'];
  title: string;
  filename: string | null;
  createdAt: string;
  expiresAt: string;
  link: string;
  check: SalaryCheck;
}

const link = (d: Pick<SalaryDraft, 'id' | 'payload'>) => `/spend/${d.payload.publisher.slug}/salaries/drafts/${d.id}`;

function present(d: SalaryDraft): SalaryDraftView {
  return { id: d.id, state: d.state, publisher: d.payload.publisher, title: d.title, filename: d.filename, createdAt: d.createdAt.toISOString(), expiresAt: d.expiresAt.toISOString(), link: link(d), check: d.check };
}

registerDraftKind({ kind: SALARIES_DRAFT, label: 'Senior salaries list', roles: PUBLISHING_ROLES, href: (d) => link(d as SalaryDraft) });

/** Reads a senior salaries CSV (every faulty row named; nothing written then) and holds it as a draft. Audited. */
export async function createSalaryDraft(ctx: AppContext, actor: Actor, publisherRef: string, input: { bytes: Uint8Array; asAt?: string; filename?: string | null }): Promise<SalaryDraftView> {
  const upload = await readSalaryUpload(ctx.db, actor, publisherRef, input);
  return ctx.db.transaction().execute(async (trx) => {
    const check: SalaryCheck = {
      asAt: upload.asAt, posts: upload.csv.posts.length, replaces: await salaryListSize(trx, upload.publisher.id, upload.asAt),
      columns: upload.csv.columns, warnings: upload.csv.warnings, rows: upload.csv.posts,
    };
    const draft = await createDraft<SalaryUpload, SalaryCheck>(trx, actor, {
      organisationId: upload.publisher.id, kind: SALARIES_DRAFT, title: `Senior salaries as at ${upload.asAt}`, filename: input.filename ?? null,
      payload: upload, check, days: ctx.config.draftDays,
    });
    return present(draft);
  });
}

/** A senior salaries draft, for its publisher's staff. */
export async function getSalaryDraft(db: Db, actor: Actor, id: string): Promise<SalaryDraftView> {
  const draft = await openDraft<SalaryUpload, SalaryCheck>(db, actor, id, SALARIES_DRAFT);
  // What it would replace is read again: the list may have changed since the upload.
  return present({ ...draft, check: { ...draft.check, replaces: await salaryListSize(db, draft.organisationId, draft.payload.asAt) } });
}

/** Publishes a senior salaries draft: the list for its date is replaced, once (409 after). */
export async function publishSalaryDraft(db: Db, actor: Actor, id: string): Promise<SalaryImportResult & { draftId: string }> {
  return db.transaction().execute(async (trx) => {
    const draft = await lockOpenDraft<SalaryUpload, SalaryCheck>(trx, actor, id, SALARIES_DRAFT);
    await requireVerifiedPublicBody(trx, draft.payload.publisher.id, 'publish senior salaries');
    const result = await writeSalaryList(trx, actor, draft.payload);
    await closeDraft(trx, actor, draft, 'published', `${draft.payload.asAt}`);
    return { ...result, draftId: draft.id };
  });
}

export async function discardSalaryDraft(db: Db, actor: Actor, id: string): Promise<SalaryDraftView> {
  return present((await discardDraft(db, actor, id, SALARIES_DRAFT)) as SalaryDraft);
}
