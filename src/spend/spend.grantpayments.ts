// Grant instalments as spending lines of the funder (issue 19). The grants module records an instalment of an
// award as paid; when the funder is a verified public body, that payment is spending over the Code's threshold
// like any other, so it is published as one line of the funder's spend data in the same transaction.
//
// Spend's model keeps lines in files (each file its own partition of spend_lines), so a month's grant payments
// are one file of kind 'grant-payments' (migration 0045), made on the month's first payment and appended to
// after: "Grant payments, November 2026". It is published at once, not held as a draft: no one uploaded it, and
// the funder's own officer recorded the payment it holds, in the funder's name, from data the platform already
// checked (the award, its amount and its recipient). It never replaces an uploaded file of its month nor is
// replaced by one; it can be withdrawn like any file (with a reason), and the month's next payment then starts
// a new version. A funder that also uploads the same grants in its own spending files would show them twice:
// leave them out of the upload, or withdraw this file.
import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../platform/db.ts';
import type { Actor } from '../platform/actor.ts';
import { recordAudit } from '../platform/audit.repository.ts';
import { getOrganisation } from '../organisations/organisations.service.ts';
import * as repo from './spend.repository.ts';
import { supplierKey } from './spend.suppliers.ts';

export interface GrantPaymentInput {
  /** The funder: the award's organisation. */
  publisherId: string;
  /** The recipient organisation, when the application named one (joined by its id); else only its name. */
  recipientOrganisationId: string | null;
  recipientName: string;
  amountPence: number;
  /** ISO date the instalment was paid. */
  paidOn: string;
  programmeTitle: string;
  /** The award's 360Giving grant id. */
  grantId: string;
  instalment: number;
}

export interface GrantPaymentLine {
  fileId: string;
  line: number;
  /** The funder's spend pages: /spend/{publisherSlug}/files/{fileId}. */
  publisherSlug: string;
  url: string;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function monthOf(day: string): { from: string; to: string; label: string } {
  const [y, m] = day.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const mm = String(m).padStart(2, '0');
  return { from: `${y}-${mm}-01`, to: `${y}-${mm}-${String(last).padStart(2, '0')}`, label: `${MONTHS[m - 1]} ${y}` };
}

/**
 * Publishes one grant instalment as a spending line of its funder, inside the caller's transaction (the payment's),
 * so the payment and its line are written together or not at all. Returns null, writing nothing, when the funder
 * is not a verified public body: only a public body's payments are public spending.
 *
 * The line: supplier the recipient (its name, linked to its organisation in the supplier register), amount the
 * instalment, date the day paid, purpose and expense type "Grant", service area the programme, transaction number
 * the award's grant id and instalment. The month's totals and the file's record are kept equal to its lines, so
 * the spend explorer, the recipient's "public money received" and scorecards see it at once.
 */
export async function publishGrantPayment(trx: Db, actor: Actor, input: GrantPaymentInput): Promise<GrantPaymentLine | null> {
  const funder = await getOrganisation(trx, input.publisherId);
  if (!funder.verified || !funder.publicBody) return null;
  // Serialised with the publisher's imports and its other grant payments: one file per month, lines numbered in turn.
  await repo.lockPublisherFiles(trx, funder.id);
  const month = monthOf(input.paidOn);
  let file = await repo.currentGrantPaymentsFile(trx, funder.id, month.from);
  if (!file) {
    const id = randomUUID();
    const version = (await repo.lastVersion(trx, funder.id, month.from, month.to, 'grant-payments')) + 1;
    await repo.createFileLines(trx, funder.id, id);
    await repo.sealFileLines(trx, id);
    await repo.attachFileLines(trx, funder.id, id);
    await repo.insertFile(trx, {
      organisation_id: funder.id, id, kind: 'grant-payments', period_from: month.from, period_to: month.to, period_given: true,
      // Not the hash of any bytes (nobody uploaded it): a name unique to the publisher, month and version.
      sha256: createHash('sha256').update(`grant-payments:${funder.id}:${month.from}:${version}`).digest('hex'),
      filename: `Grant payments, ${month.label}`, bytes: 0, status: 'current', version, rows_imported: 0, rows_rejected: 0,
      net_total_pence: 0, suppliers: 0, first_date: null, last_date: null, mapping: {}, summary: { source: 'grants' }, diff: null, imported_by: actor.userId,
    });
    file = (await repo.currentGrantPaymentsFile(trx, funder.id, month.from))!;
  }
  const recipient = input.recipientOrganisationId ? await getOrganisation(trx, input.recipientOrganisationId) : null;
  const name = recipient?.name ?? input.recipientName;
  const key = supplierKey(name);
  const number = (id: string | undefined, scheme: string) => (id?.startsWith(`${scheme}-`) ? id.slice(scheme.length + 1) : null);
  const companyNumber = number(recipient?.identifiers.find((i) => i.startsWith('GB-COH-')), 'GB-COH');
  const charityNumber = number(recipient?.identifiers.find((i) => i.startsWith('GB-CHC-')), 'GB-CHC');
  if (key) await repo.ensureSupplierOf(trx, { key, name, companyNumber, charityNumber, organisationId: recipient?.id ?? null, userId: actor.userId });
  const line = file.rows_imported + 1;
  await repo.insertLine(trx, {
    organisation_id: funder.id, file_id: file.id, line, date: input.paidOn, net_pence: input.amountPence, vat_pence: null,
    department: null, service_area: input.programmeTitle, supplier_name: name, supplier_key: key, supplier_ref: recipient?.identifiers[0] ?? null,
    company_number: companyNumber, charity_number: charityNumber, vat_number: null, purpose: 'Grant', expense_category: 'Grant', expense_code: null,
    merchant_category: null, transaction_number: `${input.grantId} instalment ${input.instalment}`, invoice_number: null, capital_revenue: null,
    body: null, body_name: null, duplicate_of: null,
  });
  await repo.refreshFileRecord(trx, funder.id, file.id);
  await repo.addFileTotals(trx, funder.id, file.id, [], line);
  const result = { fileId: file.id, line, publisherSlug: funder.slug, url: `/spend/${funder.slug}/files/${file.id}` };
  await recordAudit(trx, actor, {
    action: 'spend.grant_payment.published', entityType: 'spend_file', entityId: file.id, organisationId: funder.id,
    after: { line, grantId: input.grantId, instalment: input.instalment, amountPence: input.amountPence, paidOn: input.paidOn, supplier: name },
  });
  return result;
}
