// Award instalments as spending lines of the funder (issue 19).
//
// - spend_files.kind: 'upload' for a file a publisher imported (every file so far), 'grant-payments' for the
//   file of one calendar month into which the grants module appends one line per instalment a verified public
//   body records as paid (spend.grantpayments.ts). A grant-payments file never replaces an uploaded file of
//   its month, nor is replaced by one: one current file per publisher and period is now one per kind.
// - grants_award_payments.spend_file_id / spend_line: the spending line an instalment was published as, written
//   in the same transaction as the payment; none for a funder that is not a public body.
export const statements = [
  `ALTER TABLE spend_files ADD COLUMN kind text NOT NULL DEFAULT 'upload' CHECK (kind IN ('upload', 'grant-payments'))`,
  `DROP INDEX spend_files_current`,
  `CREATE UNIQUE INDEX spend_files_current ON spend_files (organisation_id, period_from, period_to) WHERE status = 'current' AND kind = 'upload'`,
  `CREATE UNIQUE INDEX spend_files_grant_payments_current ON spend_files (organisation_id, period_from) WHERE status = 'current' AND kind = 'grant-payments'`,
  `ALTER TABLE grants_award_payments ADD COLUMN spend_file_id uuid`,
  `ALTER TABLE grants_award_payments ADD COLUMN spend_line integer`,
  `ALTER TABLE grants_award_payments ADD CONSTRAINT grants_award_payments_spend CHECK ((spend_file_id IS NULL) = (spend_line IS NULL) AND (spend_file_id IS NULL OR paid_on IS NOT NULL))`,
];
