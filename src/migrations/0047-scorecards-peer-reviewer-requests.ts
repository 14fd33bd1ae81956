// Peer-reviewer sign-up (issue 18): an organisation's administrator asks the site administrators to register
// the organisation as a peer reviewer for one or more kinds of service, with a statement of its experience; a
// site administrator approves (which adds the scopes to scorecards_peer_reviewer_scopes) or declines, with a
// note. The partial unique index allows one request waiting per organisation, so two requests sent at the same
// moment cannot both go in; a decision changes only a row still 'pending' (see the service), so two decisions
// at the same moment cannot both win.
export const statements = [
  `CREATE TABLE scorecards_peer_reviewer_requests (
     organisation_id uuid NOT NULL REFERENCES organisations (id),
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     kinds text[] NOT NULL CHECK (cardinality(kinds) BETWEEN 1 AND 4
       AND kinds <@ ARRAY['involvement', 'joined-up', 'technical', 'framework']::text[]),
     statement text NOT NULL CHECK (length(statement) BETWEEN 1 AND 2000),
     status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'declined')),
     requested_by uuid REFERENCES users (id),
     created_at timestamptz NOT NULL DEFAULT now(),
     decided_by uuid REFERENCES users (id),
     decided_at timestamptz,
     decision_note text NOT NULL DEFAULT '' CHECK (length(decision_note) <= 2000),
     PRIMARY KEY (organisation_id, id),
     CHECK ((status = 'pending') = (decided_at IS NULL))
   )`,
  `CREATE UNIQUE INDEX scorecards_peer_reviewer_requests_one_pending ON scorecards_peer_reviewer_requests (organisation_id) WHERE status = 'pending'`,
  `CREATE INDEX scorecards_peer_reviewer_requests_status ON scorecards_peer_reviewer_requests (status, created_at)`,
];
