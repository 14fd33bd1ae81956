// Grants: regranting chains and the fairness lens over grants (issue 17, "Organisations, places and chains",
// "Who the money reaches").
//
// - grants_chain_links: an onward grant of an intermediary drawing on a pot (a grant with a regrantType that
//   the intermediary received from a funder). The row is owned by the intermediary, the publisher of the onward
//   grant, so organisation_id (that publisher) leads the key; the pot is named by its own publisher and its
//   360Giving id. Links are made three ways, kept in `source`: 'related-activity' (the onward grant's
//   relatedActivity names the pot's id, matched at publish, across publishers), 'publisher' (the intermediary
//   chose the pot on its draft check page when it published) and 'person' (linked by a member of the
//   intermediary's staff on the pot's page). Links are by grant id, not version: a newer version of either
//   grant keeps its link. Every link and unlink is audited.
// - A second index leads with the pot's publisher, for the pot's page (the onward grants of one pot).
// - Two small partial indexes over pots only (a grant with a regrantType): by recipient org-id, for the pots an
//   intermediary received, and by 360Giving id, for relatedActivity matches across publishers.
// - grants_grants_related_activity (GIN): a pot published after its onward grants finds them by their
//   relatedActivity.
// - grants_grants_fairness: the fairness lens sums the GBP amounts of a publisher's current grants by small
//   area; an index-only scan of this covering index reads no grant's JSON (1,000,000 grants in well under a
//   second on PostgreSQL; see bench/grants-fairness.bench.ts).
export const statements = [
  `CREATE TABLE grants_chain_links (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     grant_id text NOT NULL,
     pot_organisation_id uuid NOT NULL REFERENCES organisations(id),
     pot_grant_id text NOT NULL,
     source text NOT NULL CHECK (source IN ('related-activity', 'publisher', 'person')),
     created_by uuid,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, grant_id, pot_organisation_id, pot_grant_id),
     CHECK (NOT (organisation_id = pot_organisation_id AND grant_id = pot_grant_id))
   )`,
  `CREATE INDEX grants_chain_links_pot ON grants_chain_links (pot_organisation_id, pot_grant_id)`,
  // Pots only (few): found across publishers by their recipient (the intermediary's check page) and by their id
  // (an onward grant's relatedActivity), so these two lead with what is looked up, not the publisher.
  `CREATE INDEX grants_grants_pots_recipient ON grants_grants (upper(recipient_org_id)) WHERE is_current AND regrant_type IS NOT NULL`,
  `CREATE INDEX grants_grants_pots_id ON grants_grants (grant_id) WHERE is_current AND regrant_type IS NOT NULL`,
  `CREATE INDEX grants_grants_related_activity ON grants_grants USING gin (related_activity) WHERE is_current`,
  `CREATE INDEX grants_grants_fairness ON grants_grants (organisation_id, small_area_code) INCLUDE (amount_minor, currency, location_precision, programme) WHERE is_current`,
];
