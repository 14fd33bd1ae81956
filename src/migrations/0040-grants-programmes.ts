// Grant programmes run on Commonweal (issue 19, "Programmes, applications, decisions"): a funder opens a
// programme, groups apply, assessors score, a panel decides, and each award is a 360Giving grant of the funder
// from the moment it is made (written through the grants service into grants_grants, so search, exports and the
// fairness lens see it).
//
// Every table is owned by the funder (the programme's organisation): its organisation_id leads each key.
// - grants_programmes: purpose, eligible local authorities, eligible recipient types, amount range, budget,
//   open and close dates, questions and weighted criteria (JSON, checked by the service), its panel chair, and
//   the pot it draws on (a grant with a regrantType the funder received: grants_chain_links, migration 0034).
// - grants_applications: one per applicant and programme; a draft until submitted. Nothing of it is public.
//   Its equality-monitoring answers are in a table of their own, grants_application_equality, which the
//   assessment code never reads.
// - grants_assessments: one per assessor and application. A declared conflict of interest blocks scoring: the
//   database refuses scores on a conflicted row, whatever process writes.
// - grants_decisions: one per application (primary key), so of two panel decisions sent at once one wins and
//   the other is refused.
// - grants_awards: one per application; the award's 360Giving id. The programme's budget is never passed: a
//   trigger locks the programme row and adds up its awards (the service checks first, with a clear message).
// - payments (instalments), reports (monitoring and end-of-grant, with due dates), variations.
// - grants_programme_alerts: a person's saved search for programmes (words and/or a local authority).
export const statements = [
  `CREATE TABLE grants_programmes (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
     purpose text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 5000),
     area_codes text[] NOT NULL DEFAULT '{}',
     recipient_types text[] NOT NULL,
     min_pence bigint NOT NULL CHECK (min_pence > 0),
     max_pence bigint NOT NULL,
     budget_pence bigint NOT NULL CHECK (budget_pence <= 100000000000),
     opens_on date NOT NULL,
     closes_on date NOT NULL,
     questions jsonb NOT NULL DEFAULT '[]',
     criteria jsonb NOT NULL DEFAULT '[]',
     panel_chair_id uuid REFERENCES users(id),
     pot_organisation_id uuid REFERENCES organisations(id),
     pot_grant_id text,
     created_by uuid,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, id),
     UNIQUE (id),
     CHECK (min_pence <= max_pence AND max_pence <= budget_pence),
     CHECK (opens_on <= closes_on),
     CHECK ((pot_organisation_id IS NULL) = (pot_grant_id IS NULL))
   )`,
  `CREATE INDEX grants_programmes_dates ON grants_programmes (closes_on, opens_on)`,
  `CREATE TABLE grants_programme_assessors (
     organisation_id uuid NOT NULL,
     programme_id uuid NOT NULL,
     user_id uuid NOT NULL REFERENCES users(id),
     added_by uuid,
     added_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, programme_id, user_id),
     FOREIGN KEY (organisation_id, programme_id) REFERENCES grants_programmes (organisation_id, id)
   )`,
  `CREATE TABLE grants_applications (
     organisation_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     programme_id uuid NOT NULL,
     applicant_id uuid NOT NULL REFERENCES users(id),
     applicant_organisation_id uuid REFERENCES organisations(id),
     applicant_name text NOT NULL CHECK (length(applicant_name) BETWEEN 1 AND 200),
     recipient_type text NOT NULL,
     group_details jsonb,
     title text NOT NULL DEFAULT '',
     amount_pence bigint CHECK (amount_pence > 0),
     postcode text,
     area_code text,
     la_code text,
     answers jsonb NOT NULL DEFAULT '{}',
     status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'eligible', 'ineligible', 'awarded', 'declined')),
     screening_reason text,
     screened_by uuid,
     submitted_at timestamptz,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, id),
     UNIQUE (id),
     FOREIGN KEY (organisation_id, programme_id) REFERENCES grants_programmes (organisation_id, id),
     CHECK ((status = 'draft') = (submitted_at IS NULL))
   )`,
  `CREATE INDEX grants_applications_programme ON grants_applications (organisation_id, programme_id, status)`,
  `CREATE INDEX grants_applications_applicant ON grants_applications (applicant_id)`,
  `CREATE TABLE grants_application_people (
     organisation_id uuid NOT NULL,
     application_id uuid NOT NULL,
     email text NOT NULL,
     user_id uuid REFERENCES users(id),
     invited_by uuid,
     invited_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, application_id, email),
     FOREIGN KEY (organisation_id, application_id) REFERENCES grants_applications (organisation_id, id)
   )`,
  `CREATE INDEX grants_application_people_email ON grants_application_people (email)`,
  `CREATE TABLE grants_application_equality (
     organisation_id uuid NOT NULL,
     application_id uuid NOT NULL,
     answers jsonb NOT NULL,
     saved_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, application_id),
     FOREIGN KEY (organisation_id, application_id) REFERENCES grants_applications (organisation_id, id)
   )`,
  `CREATE TABLE grants_assessments (
     organisation_id uuid NOT NULL,
     application_id uuid NOT NULL,
     assessor_id uuid NOT NULL REFERENCES users(id),
     conflict boolean NOT NULL DEFAULT false,
     conflict_reason text,
     scores jsonb,
     recommendation text CHECK (recommendation IN ('yes', 'maybe', 'no')),
     comments text,
     submitted_at timestamptz,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, application_id, assessor_id),
     FOREIGN KEY (organisation_id, application_id) REFERENCES grants_applications (organisation_id, id),
     CONSTRAINT grants_assessments_conflicted_no_scores CHECK (NOT conflict OR (scores IS NULL AND recommendation IS NULL AND submitted_at IS NULL)),
     CHECK (NOT conflict OR conflict_reason IS NOT NULL),
     CHECK ((submitted_at IS NULL) OR (scores IS NOT NULL AND recommendation IS NOT NULL))
   )`,
  `CREATE INDEX grants_assessments_assessor ON grants_assessments (assessor_id)`,
  `CREATE TABLE grants_decisions (
     organisation_id uuid NOT NULL,
     application_id uuid NOT NULL,
     decision text NOT NULL CHECK (decision IN ('award', 'decline')),
     amount_pence bigint CHECK (amount_pence > 0),
     reasons text NOT NULL CHECK (length(reasons) BETWEEN 1 AND 5000),
     feedback text NOT NULL DEFAULT '',
     decided_by uuid,
     decided_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, application_id),
     FOREIGN KEY (organisation_id, application_id) REFERENCES grants_applications (organisation_id, id),
     CHECK ((decision = 'award') = (amount_pence IS NOT NULL))
   )`,
  `CREATE TABLE grants_awards (
     organisation_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     programme_id uuid NOT NULL,
     application_id uuid NOT NULL,
     grant_id text NOT NULL,
     amount_pence bigint NOT NULL CHECK (amount_pence > 0),
     conditions text NOT NULL DEFAULT '',
     status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
     awarded_on date NOT NULL,
     closed_at timestamptz,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, id),
     UNIQUE (organisation_id, application_id),
     UNIQUE (organisation_id, grant_id),
     FOREIGN KEY (organisation_id, programme_id) REFERENCES grants_programmes (organisation_id, id),
     FOREIGN KEY (organisation_id, application_id) REFERENCES grants_applications (organisation_id, id)
   )`,
  `CREATE INDEX grants_awards_programme ON grants_awards (organisation_id, programme_id)`,
  // The budget holds whatever writes: awards of one programme are added up under its row's lock.
  `CREATE FUNCTION grants_awards_within_budget() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE budget bigint; awarded bigint;
   BEGIN
     SELECT budget_pence INTO budget FROM grants_programmes WHERE organisation_id = NEW.organisation_id AND id = NEW.programme_id FOR UPDATE;
     SELECT coalesce(sum(amount_pence), 0) INTO awarded FROM grants_awards WHERE organisation_id = NEW.organisation_id AND programme_id = NEW.programme_id AND id <> NEW.id;
     IF awarded + NEW.amount_pence > budget THEN
       RAISE EXCEPTION 'grants_awards: the award of % pence would pass the programme''s budget (% pence left)', NEW.amount_pence, budget - awarded USING ERRCODE = 'check_violation';
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER grants_awards_within_budget BEFORE INSERT OR UPDATE OF amount_pence ON grants_awards FOR EACH ROW EXECUTE FUNCTION grants_awards_within_budget()`,
  `CREATE TABLE grants_award_payments (
     organisation_id uuid NOT NULL,
     award_id uuid NOT NULL,
     number integer NOT NULL CHECK (number >= 1),
     due_on date NOT NULL,
     amount_pence bigint NOT NULL CHECK (amount_pence > 0),
     paid_on date,
     paid_by uuid,
     PRIMARY KEY (organisation_id, award_id, number),
     FOREIGN KEY (organisation_id, award_id) REFERENCES grants_awards (organisation_id, id)
   )`,
  `CREATE TABLE grants_award_reports (
     organisation_id uuid NOT NULL,
     award_id uuid NOT NULL,
     number integer NOT NULL CHECK (number >= 1),
     kind text NOT NULL CHECK (kind IN ('monitoring', 'end')),
     due_on date NOT NULL,
     text text,
     submitted_at timestamptz,
     submitted_by uuid,
     PRIMARY KEY (organisation_id, award_id, number),
     FOREIGN KEY (organisation_id, award_id) REFERENCES grants_awards (organisation_id, id),
     CHECK ((submitted_at IS NULL) = (text IS NULL))
   )`,
  `CREATE INDEX grants_award_reports_due ON grants_award_reports (due_on) WHERE submitted_at IS NULL`,
  `CREATE TABLE grants_award_variations (
     organisation_id uuid NOT NULL,
     award_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
     conditions text,
     made_by uuid,
     made_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, award_id, id),
     FOREIGN KEY (organisation_id, award_id) REFERENCES grants_awards (organisation_id, id)
   )`,
  `CREATE TABLE grants_programme_alerts (
     user_id uuid NOT NULL REFERENCES users(id),
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     words text,
     la_code text,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (user_id, id),
     CHECK (words IS NOT NULL OR la_code IS NOT NULL)
   )`,
];
