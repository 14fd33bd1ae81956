// Accounts, sessions, API tokens, the audit log and the outbox.
export const statements = [
  `CREATE TABLE users (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     email text NOT NULL,
     name text NOT NULL,
     password_hash text,
     is_admin boolean NOT NULL DEFAULT false,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     CONSTRAINT users_email_lower CHECK (email = lower(email))
   )`,
  `CREATE UNIQUE INDEX users_email ON users (email)`,
  `CREATE TABLE sessions (
     id_hash text PRIMARY KEY,
     user_id uuid REFERENCES users(id) ON DELETE CASCADE,
     csrf_token text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     expires_at timestamptz NOT NULL,
     last_seen_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE INDEX sessions_user ON sessions (user_id)`,
  `CREATE INDEX sessions_expiry ON sessions (expires_at)`,
  `CREATE TABLE api_tokens (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     name text NOT NULL,
     prefix text NOT NULL,
     token_hash text NOT NULL UNIQUE,
     created_at timestamptz NOT NULL DEFAULT now(),
     last_used_at timestamptz,
     revoked_at timestamptz
   )`,
  `CREATE INDEX api_tokens_user ON api_tokens (user_id)`,
  `CREATE TABLE password_resets (
     token_hash text PRIMARY KEY,
     user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     created_at timestamptz NOT NULL DEFAULT now(),
     expires_at timestamptz NOT NULL,
     used_at timestamptz
   )`,
  `CREATE TABLE audit_log (
     id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     at timestamptz NOT NULL DEFAULT now(),
     actor_user_id uuid,
     actor_token_id uuid,
     actor_via text NOT NULL,
     organisation_id uuid,
     action text NOT NULL,
     entity_type text NOT NULL,
     entity_id text,
     before jsonb,
     after jsonb
   )`,
  `CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id)`,
  `CREATE INDEX audit_log_org ON audit_log (organisation_id, at)`,
  // The audit log is append-only, enforced by the database itself and not only by the code.
  `CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
   END $$`,
  `CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
     FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`,
  `CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
     FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`,
  `CREATE TABLE outbox (
     id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     to_address text NOT NULL,
     subject text NOT NULL,
     body_text text NOT NULL,
     kind text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     sent_at timestamptz,
     attempts integer NOT NULL DEFAULT 0,
     last_error text
   )`,
  `CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL`,
];
