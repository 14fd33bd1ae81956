// Issue 18 (scorecards): peer review of a service by people from other organisations, and the "worst 10%"
// framework decision records. Each table leads with the owning body's organisation_id: the provider's for a
// review (its reviewers and its action plan), the reviewing organisation's for its registration as a peer
// reviewer, and the commissioning organisation's for a decision.
//   - A peer reviewer organisation is registered for a kind of service (voice_services.decision_type); only its
//     people may review services of that kind.
//   - A review's ratings are on the 4-point scale, or empty until written; the database refuses anything else.
//   - A reviewer is never a member of the provider (checked by the service, which can see memberships); a
//     reviewer who declares a conflict is blocked (has_conflict) and cannot write or publish.
export const statements = [
  `CREATE TABLE scorecards_peer_reviewer_scopes (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     service_kind text NOT NULL CHECK (service_kind IN ('involvement', 'joined-up', 'technical', 'framework')),
     registered_by uuid REFERENCES users(id),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, service_kind)
   )`,
  `CREATE TABLE scorecards_peer_reviews (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     service_id uuid NOT NULL,
     commissioner_organisation_id uuid REFERENCES organisations(id),
     invited_by uuid REFERENCES users(id),
     scope text NOT NULL CHECK (length(scope) BETWEEN 1 AND 4000),
     status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'published')),
     evidence text NOT NULL DEFAULT '' CHECK (length(evidence) <= 10000),
     findings text NOT NULL DEFAULT '' CHECK (length(findings) <= 20000),
     recommendations text NOT NULL DEFAULT '' CHECK (length(recommendations) <= 10000),
     rating_safe text CHECK (rating_safe IN ('outstanding', 'good', 'requires-improvement', 'inadequate')),
     rating_effective text CHECK (rating_effective IN ('outstanding', 'good', 'requires-improvement', 'inadequate')),
     rating_caring text CHECK (rating_caring IN ('outstanding', 'good', 'requires-improvement', 'inadequate')),
     rating_responsive text CHECK (rating_responsive IN ('outstanding', 'good', 'requires-improvement', 'inadequate')),
     rating_well_led text CHECK (rating_well_led IN ('outstanding', 'good', 'requires-improvement', 'inadequate')),
     concern_indicator text CHECK (concern_indicator IN ('fft-positive', 'share-answered')),
     published_at timestamptz,
     published_by uuid REFERENCES users(id),
     progress_due_on date,
     progress_notes text NOT NULL DEFAULT '' CHECK (length(progress_notes) <= 10000),
     progress_done_at timestamptz,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, id),
     CHECK (status = 'open' OR (published_at IS NOT NULL AND rating_safe IS NOT NULL AND rating_effective IS NOT NULL
            AND rating_caring IS NOT NULL AND rating_responsive IS NOT NULL AND rating_well_led IS NOT NULL))
   )`,
  `CREATE UNIQUE INDEX scorecards_peer_reviews_id ON scorecards_peer_reviews (id)`,
  `CREATE INDEX scorecards_peer_reviews_service ON scorecards_peer_reviews (organisation_id, service_id)`,
  `CREATE TABLE scorecards_peer_reviewers (
     organisation_id uuid NOT NULL,
     review_id uuid NOT NULL,
     user_id uuid NOT NULL REFERENCES users(id),
     reviewer_organisation_id uuid NOT NULL REFERENCES organisations(id),
     lead boolean NOT NULL DEFAULT false,
     declared_at timestamptz,
     conflicts text NOT NULL DEFAULT '' CHECK (length(conflicts) <= 2000),
     has_conflict boolean NOT NULL DEFAULT false,
     added_by uuid REFERENCES users(id),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, review_id, user_id),
     FOREIGN KEY (organisation_id, review_id) REFERENCES scorecards_peer_reviews (organisation_id, id),
     CHECK (reviewer_organisation_id <> organisation_id)
   )`,
  `CREATE UNIQUE INDEX scorecards_peer_reviewers_one_lead ON scorecards_peer_reviewers (organisation_id, review_id) WHERE lead`,
  `CREATE INDEX scorecards_peer_reviewers_user ON scorecards_peer_reviewers (user_id)`,
  `CREATE TABLE scorecards_peer_review_actions (
     organisation_id uuid NOT NULL,
     review_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     action text NOT NULL CHECK (length(action) BETWEEN 1 AND 2000),
     due_on date NOT NULL,
     created_by uuid REFERENCES users(id),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, review_id, id),
     FOREIGN KEY (organisation_id, review_id) REFERENCES scorecards_peer_reviews (organisation_id, id)
   )`,
  `CREATE TABLE scorecards_flag_decisions (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     service_id uuid NOT NULL,
     service_kind text NOT NULL,
     indicator text NOT NULL CHECK (indicator IN ('fft-positive', 'share-answered')),
     period text NOT NULL CHECK (period ~ '^[0-9]{4}$'),
     review_id uuid NOT NULL,
     decision text NOT NULL CHECK (decision IN ('improve', 'recommission', 'decommission')),
     reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 4000),
     fairness jsonb NOT NULL,
     decided_by uuid NOT NULL REFERENCES users(id),
     decided_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, id)
   )`,
  `CREATE UNIQUE INDEX scorecards_flag_decisions_once ON scorecards_flag_decisions (service_id, indicator, period)`,
];
