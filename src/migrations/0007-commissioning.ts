// Commissioning for outcomes: needs, opportunities (contracting processes) in lots, award criteria, questions
// and answers, registrations of interest, bids (alone or as a consortium), evaluation, awards, contracts with
// milestones and KPIs, open calls and proposals, and the OCDS releases published for each process.
//
// Every table carries the commissioning (buying) organisation's organisation_id, leading its primary key and
// indexes. What the database itself enforces:
// - a bid's content (its price and proposal) is sealed until the deadline: it lives in its own table, readable
//   only through the `commissioning_unsealed_bid_contents` view, which compares the deadline with the
//   database's clock; row-level security (forced, so it binds the tables' owner too) hides the rows from any
//   role that is not a superuser reading the table directly; and no content can be written once the deadline
//   has passed;
// - a published deadline is never brought forward, and never moved once it has passed;
// - releases and scores are append-only: an amendment is a new release, a changed score a new score.
export const statements = [
  `CREATE TABLE commissioning_needs (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
     description text NOT NULL CHECK (length(description) <= 5000),
     outcomes jsonb NOT NULL,
     decision_type text NOT NULL CHECK (decision_type IN ('involvement', 'joined-up', 'technical', 'framework')),
     la_code text,
     area_codes jsonb NOT NULL,
     decision jsonb NOT NULL,
     from_proposal_id uuid,
     created_by uuid REFERENCES users(id),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, id)
   )`,
  `CREATE UNIQUE INDEX commissioning_needs_id ON commissioning_needs (id)`,
  `CREATE TABLE commissioning_processes (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     ocid text NOT NULL,
     need_id uuid,
     title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
     description text NOT NULL CHECK (length(description) <= 5000),
     status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'awarded', 'cancelled')),
     value_pence bigint NOT NULL CHECK (value_pence >= 0),
     bid_deadline timestamptz NOT NULL,
     contract_start date,
     contract_end date,
     standstill_days integer NOT NULL DEFAULT 8 CHECK (standstill_days BETWEEN 0 AND 60),
     published_at timestamptz,
     created_by uuid REFERENCES users(id),
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, id),
     FOREIGN KEY (organisation_id, need_id) REFERENCES commissioning_needs (organisation_id, id),
     CHECK (contract_end IS NULL OR contract_start IS NULL OR contract_end >= contract_start)
   )`,
  `CREATE UNIQUE INDEX commissioning_processes_id ON commissioning_processes (id)`,
  `CREATE UNIQUE INDEX commissioning_processes_ocid ON commissioning_processes (ocid)`,
  `CREATE INDEX commissioning_processes_status ON commissioning_processes (organisation_id, status, bid_deadline)`,
  // Once published, a deadline may only be extended, and only while it has not passed: bids sealed until a
  // deadline cannot be opened early by moving it.
  `CREATE FUNCTION commissioning_deadline_guard() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF OLD.status <> 'draft' AND NEW.bid_deadline <> OLD.bid_deadline THEN
       IF OLD.bid_deadline <= now() THEN
         RAISE EXCEPTION 'the deadline of % has passed and cannot be changed', OLD.ocid USING ERRCODE = 'check_violation';
       END IF;
       IF NEW.bid_deadline < OLD.bid_deadline THEN
         RAISE EXCEPTION 'the deadline of % cannot be brought forward once published', OLD.ocid USING ERRCODE = 'check_violation';
       END IF;
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER commissioning_processes_deadline BEFORE UPDATE ON commissioning_processes
     FOR EACH ROW EXECUTE FUNCTION commissioning_deadline_guard()`,
  `CREATE TABLE commissioning_lots (
     organisation_id uuid NOT NULL,
     process_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     number integer NOT NULL CHECK (number BETWEEN 1 AND 100),
     title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
     description text NOT NULL CHECK (length(description) <= 2000),
     value_pence bigint NOT NULL CHECK (value_pence >= 0),
     suitable_sme boolean NOT NULL,
     suitable_vcse boolean NOT NULL,
     unsuitable_reason text CHECK (length(unsuitable_reason) <= 1000),
     PRIMARY KEY (organisation_id, process_id, id),
     FOREIGN KEY (organisation_id, process_id) REFERENCES commissioning_processes (organisation_id, id),
     -- A lot not suitable for small providers says why.
     CHECK ((suitable_sme AND suitable_vcse) OR length(coalesce(unsuitable_reason, '')) > 0)
   )`,
  `CREATE UNIQUE INDEX commissioning_lots_id ON commissioning_lots (id)`,
  `CREATE UNIQUE INDEX commissioning_lots_number ON commissioning_lots (organisation_id, process_id, number)`,
  `CREATE TABLE commissioning_criteria (
     organisation_id uuid NOT NULL,
     process_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     kind text NOT NULL CHECK (kind IN ('price', 'quality', 'social-value')),
     title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
     weight integer NOT NULL CHECK (weight BETWEEN 1 AND 100),
     position integer NOT NULL,
     PRIMARY KEY (organisation_id, process_id, id),
     FOREIGN KEY (organisation_id, process_id) REFERENCES commissioning_processes (organisation_id, id)
   )`,
  `CREATE UNIQUE INDEX commissioning_criteria_id ON commissioning_criteria (id)`,
  `CREATE TABLE commissioning_documents (
     organisation_id uuid NOT NULL,
     process_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
     url text NOT NULL CHECK (length(url) <= 2000),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, process_id, id),
     FOREIGN KEY (organisation_id, process_id) REFERENCES commissioning_processes (organisation_id, id)
   )`,
  `CREATE TABLE commissioning_questions (
     organisation_id uuid NOT NULL,
     process_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     question text NOT NULL CHECK (length(question) BETWEEN 1 AND 2000),
     asked_by uuid REFERENCES users(id),
     asked_at timestamptz NOT NULL DEFAULT now(),
     answer text CHECK (length(answer) <= 5000),
     answered_by uuid REFERENCES users(id),
     answered_at timestamptz,
     PRIMARY KEY (organisation_id, process_id, id),
     FOREIGN KEY (organisation_id, process_id) REFERENCES commissioning_processes (organisation_id, id)
   )`,
  `CREATE UNIQUE INDEX commissioning_questions_id ON commissioning_questions (id)`,
  `CREATE TABLE commissioning_interests (
     organisation_id uuid NOT NULL,
     process_id uuid NOT NULL,
     provider_organisation_id uuid NOT NULL REFERENCES organisations(id),
     seeking_partners boolean NOT NULL,
     note text NOT NULL CHECK (length(note) <= 1000),
     registered_by uuid REFERENCES users(id),
     registered_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, process_id, provider_organisation_id),
     FOREIGN KEY (organisation_id, process_id) REFERENCES commissioning_processes (organisation_id, id)
   )`,
  `CREATE TABLE commissioning_bids (
     organisation_id uuid NOT NULL,
     process_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     lot_id uuid NOT NULL,
     lead_organisation_id uuid NOT NULL REFERENCES organisations(id),
     status text NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'withdrawn')),
     submitted_by uuid REFERENCES users(id),
     submitted_at timestamptz NOT NULL DEFAULT now(),
     -- The receipt: a hash of the sealed content, shown to the bidder, so a bid can be proven unchanged.
     content_sha256 text NOT NULL,
     -- How many times the content was submitted: the latest sealed version's number.
     versions integer NOT NULL DEFAULT 1 CHECK (versions >= 1),
     PRIMARY KEY (organisation_id, process_id, id),
     FOREIGN KEY (organisation_id, process_id, lot_id) REFERENCES commissioning_lots (organisation_id, process_id, id)
   )`,
  `CREATE UNIQUE INDEX commissioning_bids_id ON commissioning_bids (id)`,
  `CREATE UNIQUE INDEX commissioning_bids_one_per_lead ON commissioning_bids (organisation_id, process_id, lot_id, lead_organisation_id)`,
  `CREATE INDEX commissioning_bids_lead ON commissioning_bids (lead_organisation_id)`,
  `CREATE TABLE commissioning_bid_members (
     organisation_id uuid NOT NULL,
     process_id uuid NOT NULL,
     bid_id uuid NOT NULL,
     member_organisation_id uuid NOT NULL REFERENCES organisations(id),
     is_lead boolean NOT NULL,
     share_percent integer NOT NULL CHECK (share_percent BETWEEN 1 AND 100),
     PRIMARY KEY (organisation_id, process_id, bid_id, member_organisation_id),
     FOREIGN KEY (organisation_id, process_id, bid_id) REFERENCES commissioning_bids (organisation_id, process_id, id)
   )`,
  `CREATE INDEX commissioning_bid_members_member ON commissioning_bid_members (member_organisation_id)`,
  // The sealed part of a bid. Each submission before the deadline is a new version; the latest counts.
  `CREATE TABLE commissioning_bid_contents (
     organisation_id uuid NOT NULL,
     process_id uuid NOT NULL,
     bid_id uuid NOT NULL,
     version integer NOT NULL CHECK (version >= 1),
     price_pence bigint NOT NULL CHECK (price_pence >= 0),
     approach text NOT NULL CHECK (length(approach) BETWEEN 1 AND 20000),
     social_value text NOT NULL CHECK (length(social_value) <= 10000),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, process_id, bid_id, version),
     FOREIGN KEY (organisation_id, process_id, bid_id) REFERENCES commissioning_bids (organisation_id, process_id, id)
   )`,
  `CREATE FUNCTION commissioning_bid_before_deadline() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE p commissioning_processes%ROWTYPE;
   BEGIN
     SELECT * INTO p FROM commissioning_processes WHERE organisation_id = NEW.organisation_id AND id = NEW.process_id;
     IF p.status <> 'active' THEN
       RAISE EXCEPTION 'process % is not open for bids', p.ocid USING ERRCODE = 'check_violation';
     END IF;
     -- The wall clock, not the transaction's start: a transaction begun before the deadline cannot slip a bid in after it.
     IF p.bid_deadline <= clock_timestamp() THEN
       RAISE EXCEPTION 'the deadline for bids on % has passed', p.ocid USING ERRCODE = 'check_violation';
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER commissioning_bid_contents_deadline BEFORE INSERT ON commissioning_bid_contents
     FOR EACH ROW EXECUTE FUNCTION commissioning_bid_before_deadline()`,
  `CREATE TRIGGER commissioning_bids_deadline BEFORE INSERT ON commissioning_bids
     FOR EACH ROW EXECUTE FUNCTION commissioning_bid_before_deadline()`,
  `CREATE FUNCTION commissioning_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
   END $$`,
  `CREATE TRIGGER commissioning_bid_contents_append_only BEFORE UPDATE OR DELETE ON commissioning_bid_contents
     FOR EACH ROW EXECUTE FUNCTION commissioning_append_only()`,
  // Row-level security binds every role but superusers, including the tables' owner (FORCE): a content row
  // is visible only once its process's deadline has passed. Inserting needs no read.
  `ALTER TABLE commissioning_bid_contents ENABLE ROW LEVEL SECURITY`,
  `ALTER TABLE commissioning_bid_contents FORCE ROW LEVEL SECURITY`,
  `CREATE POLICY commissioning_bid_contents_sealed ON commissioning_bid_contents FOR SELECT
     USING (EXISTS (SELECT 1 FROM commissioning_processes p
                    WHERE p.organisation_id = commissioning_bid_contents.organisation_id
                      AND p.id = commissioning_bid_contents.process_id AND p.bid_deadline <= now()))`,
  `CREATE POLICY commissioning_bid_contents_insert ON commissioning_bid_contents FOR INSERT WITH CHECK (true)`,
  // The only way the application reads content: the latest version of each bid, once the deadline passed.
  `CREATE VIEW commissioning_unsealed_bid_contents AS
     SELECT DISTINCT ON (c.organisation_id, c.process_id, c.bid_id)
            c.organisation_id, c.process_id, c.bid_id, c.version, c.price_pence, c.approach, c.social_value, c.created_at
       FROM commissioning_bid_contents c
       JOIN commissioning_processes p ON p.organisation_id = c.organisation_id AND p.id = c.process_id
      WHERE p.bid_deadline <= now()
      ORDER BY c.organisation_id, c.process_id, c.bid_id, c.version DESC`,
  `CREATE TABLE commissioning_evaluators (
     organisation_id uuid NOT NULL,
     process_id uuid NOT NULL,
     bid_id uuid NOT NULL,
     user_id uuid NOT NULL REFERENCES users(id),
     assigned_by uuid REFERENCES users(id),
     assigned_at timestamptz NOT NULL DEFAULT now(),
     conflict_declared boolean NOT NULL DEFAULT false,
     conflict_note text CHECK (length(conflict_note) <= 1000),
     PRIMARY KEY (organisation_id, process_id, bid_id, user_id),
     FOREIGN KEY (organisation_id, process_id, bid_id) REFERENCES commissioning_bids (organisation_id, process_id, id)
   )`,
  `CREATE INDEX commissioning_evaluators_user ON commissioning_evaluators (user_id)`,
  `CREATE TABLE commissioning_scores (
     organisation_id uuid NOT NULL,
     process_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     bid_id uuid NOT NULL,
     criterion_id uuid NOT NULL,
     user_id uuid REFERENCES users(id),
     kind text NOT NULL CHECK (kind IN ('evaluation', 'moderation')),
     score integer NOT NULL CHECK (score BETWEEN 0 AND 10),
     reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 5000),
     created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
     PRIMARY KEY (organisation_id, process_id, id),
     FOREIGN KEY (organisation_id, process_id, bid_id) REFERENCES commissioning_bids (organisation_id, process_id, id),
     FOREIGN KEY (organisation_id, process_id, criterion_id) REFERENCES commissioning_criteria (organisation_id, process_id, id)
   )`,
  `CREATE INDEX commissioning_scores_bid ON commissioning_scores (organisation_id, process_id, bid_id, criterion_id, created_at)`,
  `CREATE TRIGGER commissioning_scores_append_only BEFORE UPDATE OR DELETE ON commissioning_scores
     FOR EACH ROW EXECUTE FUNCTION commissioning_append_only()`,
  `CREATE TABLE commissioning_awards (
     organisation_id uuid NOT NULL,
     process_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     lot_id uuid NOT NULL,
     bid_id uuid NOT NULL,
     value_pence bigint NOT NULL CHECK (value_pence >= 0),
     rationale text NOT NULL CHECK (length(rationale) BETWEEN 1 AND 5000),
     decided_by uuid REFERENCES users(id),
     decided_at timestamptz NOT NULL DEFAULT now(),
     standstill_ends timestamptz NOT NULL,
     PRIMARY KEY (organisation_id, process_id, id),
     FOREIGN KEY (organisation_id, process_id, bid_id) REFERENCES commissioning_bids (organisation_id, process_id, id),
     FOREIGN KEY (organisation_id, process_id, lot_id) REFERENCES commissioning_lots (organisation_id, process_id, id)
   )`,
  `CREATE UNIQUE INDEX commissioning_awards_id ON commissioning_awards (id)`,
  `CREATE UNIQUE INDEX commissioning_awards_lot ON commissioning_awards (organisation_id, process_id, lot_id)`,
  `CREATE TABLE commissioning_contracts (
     organisation_id uuid NOT NULL,
     process_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     award_id uuid NOT NULL,
     title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
     value_pence bigint NOT NULL CHECK (value_pence >= 0),
     start_date date,
     end_date date,
     signed_by uuid REFERENCES users(id),
     signed_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, process_id, id),
     FOREIGN KEY (organisation_id, process_id, award_id) REFERENCES commissioning_awards (organisation_id, process_id, id),
     CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date)
   )`,
  `CREATE UNIQUE INDEX commissioning_contracts_id ON commissioning_contracts (id)`,
  `CREATE UNIQUE INDEX commissioning_contracts_award ON commissioning_contracts (organisation_id, process_id, award_id)`,
  `CREATE TABLE commissioning_milestones (
     organisation_id uuid NOT NULL,
     process_id uuid NOT NULL,
     contract_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
     due_date date,
     status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'met', 'notMet')),
     date_met date,
     position integer NOT NULL,
     PRIMARY KEY (organisation_id, process_id, contract_id, id),
     FOREIGN KEY (organisation_id, process_id, contract_id) REFERENCES commissioning_contracts (organisation_id, process_id, id)
   )`,
  `CREATE TABLE commissioning_kpis (
     organisation_id uuid NOT NULL,
     process_id uuid NOT NULL,
     contract_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
     target bigint NOT NULL,
     unit text NOT NULL CHECK (length(unit) BETWEEN 1 AND 50),
     position integer NOT NULL,
     PRIMARY KEY (organisation_id, process_id, contract_id, id),
     FOREIGN KEY (organisation_id, process_id, contract_id) REFERENCES commissioning_contracts (organisation_id, process_id, id)
   )`,
  // Open calls: a commissioner invites proposals for needs nobody has specified; a proposal can become an
  // opportunity.
  `CREATE TABLE commissioning_open_calls (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
     description text NOT NULL CHECK (length(description) <= 5000),
     closes_on date,
     created_by uuid REFERENCES users(id),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, id)
   )`,
  `CREATE UNIQUE INDEX commissioning_open_calls_id ON commissioning_open_calls (id)`,
  `CREATE TABLE commissioning_proposals (
     organisation_id uuid NOT NULL,
     open_call_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     proposer_organisation_id uuid NOT NULL REFERENCES organisations(id),
     title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
     need text NOT NULL CHECK (length(need) BETWEEN 1 AND 5000),
     proposal text NOT NULL CHECK (length(proposal) BETWEEN 1 AND 5000),
     submitted_by uuid REFERENCES users(id),
     submitted_at timestamptz NOT NULL DEFAULT now(),
     process_id uuid,
     PRIMARY KEY (organisation_id, open_call_id, id),
     FOREIGN KEY (organisation_id, open_call_id) REFERENCES commissioning_open_calls (organisation_id, id),
     FOREIGN KEY (organisation_id, process_id) REFERENCES commissioning_processes (organisation_id, id)
   )`,
  `CREATE UNIQUE INDEX commissioning_proposals_id ON commissioning_proposals (id)`,
  // Every OCDS release published for a process, as published: never changed, never deleted.
  `CREATE TABLE commissioning_releases (
     organisation_id uuid NOT NULL,
     process_id uuid NOT NULL,
     seq integer NOT NULL CHECK (seq >= 1),
     release_id text NOT NULL,
     ocid text NOT NULL,
     tags jsonb NOT NULL,
     release jsonb NOT NULL,
     published_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, process_id, seq),
     FOREIGN KEY (organisation_id, process_id) REFERENCES commissioning_processes (organisation_id, id)
   )`,
  `CREATE UNIQUE INDEX commissioning_releases_release_id ON commissioning_releases (ocid, release_id)`,
  `CREATE INDEX commissioning_releases_published ON commissioning_releases (organisation_id, published_at)`,
  `CREATE INDEX commissioning_releases_ocid ON commissioning_releases (ocid, seq)`,
  `CREATE TRIGGER commissioning_releases_append_only BEFORE UPDATE OR DELETE ON commissioning_releases
     FOR EACH ROW EXECUTE FUNCTION commissioning_append_only()`,
];
