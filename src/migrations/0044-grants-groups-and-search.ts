// Unregistered groups confirmed the same by a person (issue 17), and the explorer's search at a million grants.
//
// - grants_group_decisions: a publisher's person (its administrator, or a site administrator) looked at two
//   unregistered groups (360G- ids) that its grants name with the same normalised name in the same local
//   authority, and confirmed that one (group_id) is the other (canonical_id), or that they are not the same
//   ('rejected'). Nothing is merged by name without such a row. Undoing a decision keeps the row (undone_at,
//   undone_by): the record shows what was decided, by whom, and when it was undone. At most one open merge of
//   a group at a time; at most one open decision for a pair.
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
];
