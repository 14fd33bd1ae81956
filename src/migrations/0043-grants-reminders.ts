// Grant programmes, after the award (issue 19):
//
// - grants_award_report_reminders: one row for each reminder sent about a monitoring or end-of-grant report —
//   'due-soon' (a set number of days before it is due) and 'overdue' (once its day has passed). The primary key
//   is what makes each reminder go once: any app process may run the reminders, and the one whose INSERT …
//   ON CONFLICT DO NOTHING adds the row sends the email in the same transaction; another process running at
//   the same moment waits on the key, then finds the row and sends nothing.
// - grants_programme_alerts.unsubscribe_token: the secret in the one-click unsubscribe link of every alert
//   email (no sign-in; the link opens a page with a button, and only pressing it deletes the alert). Random
//   (two UUIDs' worth, 244 bits), one for each alert, given to rows made before.
export const statements = [
  `CREATE TABLE grants_award_report_reminders (
     organisation_id uuid NOT NULL,
     award_id uuid NOT NULL,
     number integer NOT NULL,
     stage text NOT NULL CHECK (stage IN ('due-soon', 'overdue')),
     due_on date NOT NULL,
     recipients integer NOT NULL DEFAULT 0,
     sent_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, award_id, number, stage),
     FOREIGN KEY (organisation_id, award_id, number) REFERENCES grants_award_reports (organisation_id, award_id, number)
   )`,
  `ALTER TABLE grants_programme_alerts ADD COLUMN unsubscribe_token text NOT NULL
     DEFAULT replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')`,
  `CREATE UNIQUE INDEX grants_programme_alerts_unsubscribe ON grants_programme_alerts (unsubscribe_token)`,
];
