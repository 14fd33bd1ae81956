// Unregistered groups confirmed the same by a person (issue 17), and the explorer's search at a million grants.
//
// - grants_group_decisions: a publisher's person (its administrator, or a site administrator) looked at two
//   unregistered groups (360G- ids) that its grants name with the same normalised name in the same local
//   authority, and confirmed that one (group_id) is the other (canonical_id), or that they are not the same
//   ('rejected'). Nothing is merged by name without such a row. Undoing a decision keeps the row (undone_at,
//   undone_by): the record shows what was decided, by whom, and when it was undone. At most one open merge of
//   a group at a time; at most one open decision for a pair.
// - grants_explore_totals: every publisher's current grants counted and summed by recipient kind, regrant type
//   ('' for none), UK financial year and currency, with the first and last award date — what the explorer's
//   totals read when a search has no words and is narrowed only by publisher, kind of recipient, regranting or
//   whole financial years (a few thousand rows, not a million grants). Rebuilt for the publisher in the
//   transaction of every import, publish and withdrawal, with grants_area_totals.
export const statements = [
  `CREATE TABLE grants_group_decisions (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     group_id text NOT NULL,
     canonical_id text NOT NULL,
     decision text NOT NULL CHECK (decision IN ('merged', 'rejected')),
     evidence jsonb NOT NULL,
     decided_by uuid REFERENCES users(id),
     decided_at timestamptz NOT NULL DEFAULT now(),
     undone_at timestamptz,
     undone_by uuid REFERENCES users(id),
     PRIMARY KEY (organisation_id, id),
     CHECK (group_id <> canonical_id)
   )`,
  `CREATE UNIQUE INDEX grants_group_decisions_open_pair ON grants_group_decisions (organisation_id, least(group_id, canonical_id), greatest(group_id, canonical_id)) WHERE undone_at IS NULL`,
  `CREATE UNIQUE INDEX grants_group_decisions_open_merge ON grants_group_decisions (organisation_id, group_id) WHERE decision = 'merged' AND undone_at IS NULL`,
  `CREATE INDEX grants_group_decisions_merged_group ON grants_group_decisions (group_id) WHERE decision = 'merged' AND undone_at IS NULL`,
  `CREATE INDEX grants_group_decisions_merged_canonical ON grants_group_decisions (canonical_id) WHERE decision = 'merged' AND undone_at IS NULL`,
  `CREATE TABLE grants_explore_totals (
     organisation_id uuid NOT NULL,
     recipient_kind text NOT NULL,
     regrant_type text NOT NULL,
     financial_year integer NOT NULL,
     currency text NOT NULL,
     grants integer NOT NULL CHECK (grants > 0),
     total numeric NOT NULL,
     first_award date NOT NULL,
     last_award date NOT NULL,
     PRIMARY KEY (organisation_id, recipient_kind, regrant_type, financial_year, currency)
   )`,
  `INSERT INTO grants_explore_totals (organisation_id, recipient_kind, regrant_type, financial_year, currency, grants, total, first_award, last_award)
   SELECT organisation_id, recipient_kind, coalesce(regrant_type, ''),
          extract(year FROM award_date)::int - CASE WHEN extract(month FROM award_date) < 4 THEN 1 ELSE 0 END,
          currency, count(*), sum(amount_minor), min(award_date), max(award_date)
   FROM grants_grants WHERE is_current GROUP BY 1, 2, 3, 4, 5`,
];
