// Every process that remembers API tokens between requests (src/platform/auth/token-cache.ts) is told when
// something that decides what a token may do changes, whoever changes it: a token revoked, moved to another
// user or deleted; a user's administrator flag, email or name changed, or the user deleted. The notification
// carries nothing: listeners forget every token they hold. Noting when a token was last used (an update of
// last_used_at alone) does not notify.
export const statements = [
  `CREATE FUNCTION auth_changed_notify() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM pg_notify('commonweal_auth', '');
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER api_tokens_changed AFTER UPDATE ON api_tokens FOR EACH ROW
     WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.token_hash IS DISTINCT FROM NEW.token_hash)
     EXECUTE FUNCTION auth_changed_notify()`,
  `CREATE TRIGGER api_tokens_deleted AFTER DELETE ON api_tokens FOR EACH STATEMENT EXECUTE FUNCTION auth_changed_notify()`,
  `CREATE TRIGGER users_changed AFTER UPDATE ON users FOR EACH ROW
     WHEN (OLD.is_admin IS DISTINCT FROM NEW.is_admin OR OLD.email IS DISTINCT FROM NEW.email OR OLD.name IS DISTINCT FROM NEW.name OR OLD.id IS DISTINCT FROM NEW.id)
     EXECUTE FUNCTION auth_changed_notify()`,
  `CREATE TRIGGER users_deleted AFTER DELETE ON users FOR EACH STATEMENT EXECUTE FUNCTION auth_changed_notify()`,
];
