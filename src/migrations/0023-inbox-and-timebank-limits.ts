// One inbox and notification mechanism: each person's choice of which kinds of work they are emailed about
// (a row only where they changed the default, which is "email me"). And the time bank's part of issue 14: a
// bank's default limit for new members (so a new member can receive help before they have earned any time),
// and a join request a coordinator refuses, with the reason kept beside the account.
export const statements = [
  `CREATE TABLE notification_settings (
     user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     kind text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9.-]{0,79}$'),
     email boolean NOT NULL,
     updated_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (user_id, kind)
   )`,
  // Minutes (≤ 0) a new member may go below zero; existing banks keep the rule they had (0: earn first).
  `ALTER TABLE timebank_banks ADD COLUMN member_min_balance bigint NOT NULL DEFAULT 0
     CHECK (member_min_balance <= 0 AND member_min_balance >= -60000)`,
  `ALTER TABLE timebank_accounts DROP CONSTRAINT timebank_accounts_status`,
  `ALTER TABLE timebank_accounts ADD CONSTRAINT timebank_accounts_status CHECK (status IN ('pending', 'active', 'suspended', 'refused'))`,
  `ALTER TABLE timebank_accounts ADD COLUMN status_reason text CHECK (length(status_reason) <= 500),
     ADD COLUMN status_changed_at timestamptz`,
  `CREATE INDEX timebank_accounts_pending ON timebank_accounts (organisation_id, bank_id) WHERE status = 'pending'`,
];
