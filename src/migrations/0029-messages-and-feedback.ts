// Issue 16: feedback from the phase banner's link, kept for the site's administrators (who are also emailed it);
// and a member writes to the member behind an offer or request through the platform, never seeing their
// email address. A message is kept so that its recipient can answer it (the email carries a link to it, not the
// sender's address), and an answer is a message the other way, naming the one it answers.
export const statements = [
  `CREATE TABLE timebank_messages (
     organisation_id uuid NOT NULL,
     bank_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     listing_id uuid NOT NULL,
     from_account_id uuid NOT NULL,
     to_account_id uuid NOT NULL,
     in_reply_to uuid,
     body text NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, bank_id, id),
     CHECK (from_account_id <> to_account_id),
     FOREIGN KEY (organisation_id, bank_id, listing_id) REFERENCES timebank_listings (organisation_id, bank_id, id),
     FOREIGN KEY (organisation_id, bank_id, from_account_id) REFERENCES timebank_accounts (organisation_id, bank_id, id),
     FOREIGN KEY (organisation_id, bank_id, to_account_id) REFERENCES timebank_accounts (organisation_id, bank_id, id),
     FOREIGN KEY (organisation_id, bank_id, in_reply_to) REFERENCES timebank_messages (organisation_id, bank_id, id)
   )`,
  `CREATE UNIQUE INDEX timebank_messages_id ON timebank_messages (id)`,
  `CREATE INDEX timebank_messages_thread ON timebank_messages (organisation_id, bank_id, listing_id, created_at)`,
  `CREATE TABLE feedback (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     page text NOT NULL DEFAULT '' CHECK (length(page) <= 500),
     body text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
     email text CHECK (length(email) <= 320),
     user_id uuid REFERENCES users(id) ON DELETE SET NULL,
     created_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE INDEX feedback_created ON feedback (created_at)`,
];
