// The organisations registry, and memberships that give users a role in an organisation.
export const statements = [
  `CREATE TABLE organisations (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     name text NOT NULL,
     slug text NOT NULL UNIQUE,
     legal_form text NOT NULL,
     distributes_profit boolean NOT NULL,
     sector text NOT NULL,
     website text,
     description text,
     address_locality text,
     verified boolean NOT NULL DEFAULT false,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE INDEX organisations_name ON organisations (lower(name))`,
  `CREATE TABLE organisation_identifiers (
     organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
     scheme text NOT NULL,
     identifier text NOT NULL,
     PRIMARY KEY (organisation_id, scheme, identifier)
   )`,
  // One org-id names one organisation.
  `CREATE UNIQUE INDEX organisation_identifiers_unique ON organisation_identifiers (scheme, identifier)`,
  `CREATE TABLE memberships (
     organisation_id uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
     user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
     role text NOT NULL CHECK (role IN ('admin', 'staff', 'commissioner', 'moderator', 'coordinator', 'evaluator', 'finance')),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, user_id, role)
   )`,
  `CREATE INDEX memberships_user ON memberships (user_id)`,
];
