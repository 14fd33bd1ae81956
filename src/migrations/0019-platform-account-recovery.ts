// Account recovery and registration that give nothing away (issue 15, defects 7 and 11).
//
// - At most one password reset link of an account works at a time: asking again, or using one, ends the others.
//   Older open links are closed here; the partial unique index then holds the rule in the database.
// - A registration waits, as a pending registration, until its email address is confirmed by the link sent to it;
//   only then is the account created. The answer to "register" is the same whether or not the address already
//   has an account (whose owner is told by email instead).
export const statements = [
  `UPDATE password_resets SET used_at = now()
     WHERE used_at IS NULL
       AND token_hash NOT IN (SELECT DISTINCT ON (user_id) token_hash FROM password_resets WHERE used_at IS NULL ORDER BY user_id, created_at DESC, token_hash)`,
  `CREATE UNIQUE INDEX password_resets_one_open ON password_resets (user_id) WHERE used_at IS NULL`,
  `CREATE TABLE registrations (
     token_hash text PRIMARY KEY,
     email text NOT NULL,
     name text NOT NULL,
     password_hash text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     expires_at timestamptz NOT NULL
   )`,
  `CREATE INDEX registrations_expires ON registrations (expires_at)`,
];
