// Verified publishers: an organisation's claim to an official identifier is checked before it counts.
//
// - An identifier is now held per claim: several organisations may *claim* the same org-id while they wait for a
//   site administrator, but only one may hold it *verified* (a partial unique index). Before this, the first
//   organisation to type an identifier blocked the real body from ever registering it.
// - Verification requests record each claim, the evidence its claimant gave and the decision (with a reason).
// - Look-alike flags record an unverified organisation whose name is confusable with a verified one's, for the
//   site administrators' list.
// - Invitations let a verified body's administrators bring a person in by email, instead of that person
//   registering a second copy of the body.
//
// Existing databases: `organisations.verified` was only ever set by a site administrator (the verify button) or
// by an operator (CLI, demo data), never by an ordinary account's own registration, so it is kept as it stands
// and each verified organisation's identifiers become verified holdings. An unverified organisation that claims
// identifiers gets a pending request, so its claim appears on the administrators' list instead of being lost.
export const statements = [
  `ALTER TABLE organisation_identifiers ADD COLUMN verified boolean NOT NULL DEFAULT false`,
  `UPDATE organisation_identifiers AS i SET verified = true FROM organisations AS o WHERE o.id = i.organisation_id AND o.verified`,
  `DROP INDEX organisation_identifiers_unique`,
  `CREATE UNIQUE INDEX organisation_identifiers_verified ON organisation_identifiers (scheme, identifier) WHERE verified`,
  `CREATE INDEX organisation_identifiers_claims ON organisation_identifiers (scheme, identifier)`,
  `CREATE TABLE organisation_verification_requests (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
     requested_by uuid REFERENCES users(id) ON DELETE SET NULL,
     identifiers text[] NOT NULL,
     evidence text,
     status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verified', 'rejected', 'superseded')),
     reason text,
     decided_by uuid REFERENCES users(id) ON DELETE SET NULL,
     decided_at timestamptz,
     created_at timestamptz NOT NULL DEFAULT now()
   )`,
  // One open claim per organisation.
  `CREATE UNIQUE INDEX organisation_verification_pending ON organisation_verification_requests (organisation_id) WHERE status = 'pending'`,
  `CREATE INDEX organisation_verification_by_status ON organisation_verification_requests (status, created_at)`,
  `CREATE TABLE organisation_lookalikes (
     organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
     resembles_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
     name text NOT NULL,
     resembles_name text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, resembles_id)
   )`,
  `CREATE INDEX organisation_lookalikes_recent ON organisation_lookalikes (created_at)`,
  `CREATE TABLE organisation_invitations (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
     email text NOT NULL CHECK (email = lower(email)),
     role text NOT NULL CHECK (role IN ('admin', 'staff', 'commissioner', 'moderator', 'coordinator', 'evaluator', 'finance')),
     token_hash text NOT NULL UNIQUE,
     invited_by uuid REFERENCES users(id) ON DELETE SET NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     expires_at timestamptz NOT NULL,
     accepted_at timestamptz,
     accepted_by uuid REFERENCES users(id) ON DELETE SET NULL
   )`,
  `CREATE INDEX organisation_invitations_org ON organisation_invitations (organisation_id, created_at)`,
  `INSERT INTO organisation_verification_requests (organisation_id, requested_by, identifiers, evidence)
   SELECT o.id,
          (SELECT m.user_id FROM memberships m WHERE m.organisation_id = o.id AND m.role = 'admin' ORDER BY m.created_at LIMIT 1),
          ARRAY(SELECT i.scheme || '-' || i.identifier FROM organisation_identifiers i WHERE i.organisation_id = o.id ORDER BY 1),
          NULL
     FROM organisations o
    WHERE NOT o.verified AND EXISTS (SELECT 1 FROM organisation_identifiers i WHERE i.organisation_id = o.id)`,
];
