// Outcomes: agreements between a service and the people it serves; outcomes contracts with a rate card, claims,
// validation, payments and caps; comparison-group results; social investment. Every table carries the
// publishing body's organisation_id leading its primary key (the service's organisation for an agreement, the
// commissioner for a contract). Money is integer pence. The database holds the rules that must never break:
// a contract's validated total never exceeds its cap, nor a participant's theirs; a participant is claimed
// for an outcome at most once (unless rejected); a payment equals the accepted claims it pays (checked at
// commit); drawdowns never exceed a commitment.
export const statements = [
  // ---- Outcome agreements ----
  `CREATE TABLE outcome_agreements (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     service_name text NOT NULL CHECK (length(service_name) BETWEEN 1 AND 200),
     title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
     summary text NOT NULL DEFAULT '' CHECK (length(summary) <= 2000),
     party_kind text NOT NULL CHECK (party_kind IN ('person', 'group')),
     group_name text CHECK (group_name IS NULL OR length(group_name) BETWEEN 1 AND 200),
     party_user_id uuid NOT NULL REFERENCES users(id),
     party_name text NOT NULL CHECK (length(party_name) BETWEEN 1 AND 200),
     service_signed_at timestamptz,
     service_signed_by uuid REFERENCES users(id),
     party_signed_at timestamptz,
     next_review_on date,
     created_by uuid REFERENCES users(id),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, id),
     CHECK ((party_kind = 'group') = (group_name IS NOT NULL))
   )`,
  `CREATE UNIQUE INDEX outcome_agreements_id ON outcome_agreements (id)`,
  `CREATE INDEX outcome_agreements_party ON outcome_agreements (party_user_id)`,
  `CREATE TABLE outcome_agreement_terms (
     organisation_id uuid NOT NULL,
     agreement_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     position integer NOT NULL,
     side text NOT NULL CHECK (side IN ('service', 'citizen')),
     kind text NOT NULL CHECK (kind IN ('outcome', 'commitment')),
     text text NOT NULL CHECK (length(text) BETWEEN 1 AND 500),
     measure text NOT NULL DEFAULT '' CHECK (length(measure) <= 500),
     PRIMARY KEY (organisation_id, agreement_id, id),
     FOREIGN KEY (organisation_id, agreement_id) REFERENCES outcome_agreements (organisation_id, id)
   )`,
  `CREATE UNIQUE INDEX outcome_agreement_terms_id ON outcome_agreement_terms (id)`,
  `CREATE TABLE outcome_agreement_progress (
     organisation_id uuid NOT NULL,
     agreement_id uuid NOT NULL,
     term_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     recorded_side text NOT NULL CHECK (recorded_side IN ('service', 'citizen')),
     status text NOT NULL CHECK (status IN ('not-started', 'on-track', 'off-track', 'achieved')),
     note text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
     recorded_by uuid REFERENCES users(id),
     recorded_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, agreement_id, id),
     FOREIGN KEY (organisation_id, agreement_id, term_id) REFERENCES outcome_agreement_terms (organisation_id, agreement_id, id)
   )`,
  `CREATE INDEX outcome_agreement_progress_term ON outcome_agreement_progress (organisation_id, agreement_id, term_id, recorded_at)`,
  `CREATE TABLE outcome_agreement_reviews (
     organisation_id uuid NOT NULL,
     agreement_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     held_on date NOT NULL,
     recorded_side text NOT NULL CHECK (recorded_side IN ('service', 'citizen')),
     summary text NOT NULL CHECK (length(summary) BETWEEN 1 AND 2000),
     next_review_on date,
     recorded_by uuid REFERENCES users(id),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, agreement_id, id),
     FOREIGN KEY (organisation_id, agreement_id) REFERENCES outcome_agreements (organisation_id, id)
   )`,

  // ---- Outcomes contracts ----
  `CREATE TABLE outcome_contracts (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
     description text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
     target_population text NOT NULL DEFAULT '' CHECK (length(target_population) <= 1000),
     provider_organisation_id uuid NOT NULL REFERENCES organisations(id),
     -- A commissioning contract, read through commissioning's public service functions: no foreign key.
     commissioning_contract_id uuid,
     start_date date NOT NULL,
     end_date date NOT NULL,
     cap_pence bigint NOT NULL CHECK (cap_pence > 0),
     person_cap_pence bigint CHECK (person_cap_pence IS NULL OR person_cap_pence > 0),
     validated_pence bigint NOT NULL DEFAULT 0 CHECK (validated_pence >= 0),
     paid_pence bigint NOT NULL DEFAULT 0 CHECK (paid_pence >= 0),
     created_by uuid REFERENCES users(id),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, id),
     CHECK (end_date >= start_date),
     CHECK (provider_organisation_id <> organisation_id),
     -- The contract cap, as the database's rule: no interleaving of validations can pass it.
     CONSTRAINT outcome_contracts_within_cap CHECK (validated_pence <= cap_pence),
     CONSTRAINT outcome_contracts_paid_validated CHECK (paid_pence <= validated_pence)
   )`,
  `CREATE UNIQUE INDEX outcome_contracts_id ON outcome_contracts (id)`,
  `CREATE INDEX outcome_contracts_provider ON outcome_contracts (provider_organisation_id)`,
  `CREATE TABLE outcome_payers (
     organisation_id uuid NOT NULL,
     contract_id uuid NOT NULL,
     payer_organisation_id uuid NOT NULL REFERENCES organisations(id),
     share_basis_points integer NOT NULL CHECK (share_basis_points BETWEEN 1 AND 10000),
     PRIMARY KEY (organisation_id, contract_id, payer_organisation_id),
     FOREIGN KEY (organisation_id, contract_id) REFERENCES outcome_contracts (organisation_id, id)
   )`,
  `CREATE TABLE outcome_metrics (
     organisation_id uuid NOT NULL,
     contract_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     code text NOT NULL CHECK (code ~ '^[A-Za-z0-9._-]{1,20}$'),
     name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
     definition text NOT NULL CHECK (length(definition) BETWEEN 1 AND 2000),
     target_population text NOT NULL DEFAULT '' CHECK (length(target_population) <= 1000),
     validation_method text NOT NULL CHECK (length(validation_method) BETWEEN 1 AND 1000),
     evidence_required text NOT NULL CHECK (length(evidence_required) BETWEEN 1 AND 1000),
     validator_organisation_id uuid REFERENCES organisations(id),
     result_type text NOT NULL CHECK (result_type IN ('interim', 'final')),
     target_count integer CHECK (target_count IS NULL OR target_count >= 0),
     -- A milestone of the linked commissioning contract that this outcome's payments meet (OCDS implementation).
     commissioning_milestone_id text CHECK (commissioning_milestone_id IS NULL OR length(commissioning_milestone_id) BETWEEN 1 AND 100),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, contract_id, id),
     FOREIGN KEY (organisation_id, contract_id) REFERENCES outcome_contracts (organisation_id, id)
   )`,
  `CREATE UNIQUE INDEX outcome_metrics_id ON outcome_metrics (id)`,
  `CREATE UNIQUE INDEX outcome_metrics_code ON outcome_metrics (organisation_id, contract_id, code)`,
  // Prices agreed over time: the price that applies to an outcome is the one in effect on the day it was achieved.
  `CREATE TABLE outcome_prices (
     organisation_id uuid NOT NULL,
     contract_id uuid NOT NULL,
     metric_id uuid NOT NULL,
     effective_from date NOT NULL,
     price_pence bigint NOT NULL CHECK (price_pence > 0),
     note text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
     agreed_by uuid REFERENCES users(id),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, contract_id, metric_id, effective_from),
     FOREIGN KEY (organisation_id, contract_id, metric_id) REFERENCES outcome_metrics (organisation_id, contract_id, id)
   )`,
  `CREATE TABLE outcome_participant_totals (
     organisation_id uuid NOT NULL,
     contract_id uuid NOT NULL,
     participant_ref text NOT NULL,
     validated_pence bigint NOT NULL DEFAULT 0,
     cap_pence bigint,
     PRIMARY KEY (organisation_id, contract_id, participant_ref),
     FOREIGN KEY (organisation_id, contract_id) REFERENCES outcome_contracts (organisation_id, id),
     CONSTRAINT outcome_participant_within_cap CHECK (cap_pence IS NULL OR validated_pence <= cap_pence)
   )`,
  `CREATE TABLE outcome_payments (
     organisation_id uuid NOT NULL,
     contract_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     paid_on date NOT NULL,
     amount_pence bigint NOT NULL CHECK (amount_pence > 0),
     reference text NOT NULL DEFAULT '' CHECK (length(reference) <= 200),
     recorded_by uuid REFERENCES users(id),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, contract_id, id),
     FOREIGN KEY (organisation_id, contract_id) REFERENCES outcome_contracts (organisation_id, id)
   )`,
  `CREATE UNIQUE INDEX outcome_payments_id ON outcome_payments (id)`,
  `CREATE TABLE outcome_claims (
     organisation_id uuid NOT NULL,
     contract_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     metric_id uuid NOT NULL,
     participant_ref text NOT NULL CHECK (participant_ref ~ '^[A-Za-z0-9._-]{1,64}$'),
     achieved_on date NOT NULL,
     evidence text NOT NULL CHECK (length(evidence) BETWEEN 1 AND 2000),
     amount_pence bigint NOT NULL CHECK (amount_pence > 0),
     status text NOT NULL DEFAULT 'claimed' CHECK (status IN ('claimed', 'accepted', 'rejected')),
     claimed_by uuid REFERENCES users(id),
     claimed_at timestamptz NOT NULL DEFAULT now(),
     decided_by uuid REFERENCES users(id),
     decided_at timestamptz,
     decision_reason text CHECK (decision_reason IS NULL OR length(decision_reason) <= 1000),
     payment_id uuid,
     PRIMARY KEY (organisation_id, contract_id, id),
     FOREIGN KEY (organisation_id, contract_id, metric_id) REFERENCES outcome_metrics (organisation_id, contract_id, id),
     FOREIGN KEY (organisation_id, contract_id, payment_id) REFERENCES outcome_payments (organisation_id, contract_id, id),
     CHECK (payment_id IS NULL OR status = 'accepted'),
     CHECK (status <> 'rejected' OR (decision_reason IS NOT NULL AND length(decision_reason) > 0))
   )`,
  `CREATE UNIQUE INDEX outcome_claims_id ON outcome_claims (id)`,
  // A participant is claimed for an outcome once: a second claim waits for the first to be rejected.
  `CREATE UNIQUE INDEX outcome_claims_once ON outcome_claims (organisation_id, contract_id, metric_id, participant_ref) WHERE status <> 'rejected'`,
  `CREATE INDEX outcome_claims_status ON outcome_claims (organisation_id, contract_id, status, claimed_at)`,
  `CREATE INDEX outcome_claims_payment ON outcome_claims (organisation_id, contract_id, payment_id) WHERE payment_id IS NOT NULL`,
  // At commit, a payment is exactly the sum of the accepted claims it pays.
  // Deferred, so it sees the transaction's final state; each payment is checked once per transaction (a
  // transaction-local setting remembers it), so paying thousands of claims costs one sum, not thousands. A claim
  // moved off a payment is caught through the OLD payment.
  `CREATE FUNCTION outcome_payment_traceable() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE p outcome_payments%ROWTYPE; total bigint; pid uuid; marker text;
   BEGIN
     IF TG_TABLE_NAME = 'outcome_payments' THEN
       pid := NEW.id;
     ELSE
       IF OLD.payment_id IS NOT NULL AND OLD.payment_id IS DISTINCT FROM NEW.payment_id THEN
         SELECT * INTO p FROM outcome_payments WHERE organisation_id = OLD.organisation_id AND contract_id = OLD.contract_id AND id = OLD.payment_id;
         SELECT coalesce(sum(amount_pence), 0) INTO total FROM outcome_claims
          WHERE organisation_id = p.organisation_id AND contract_id = p.contract_id AND payment_id = p.id AND status = 'accepted';
         IF total <> p.amount_pence THEN
           RAISE EXCEPTION 'payment % of % pence is not the sum of the claims it pays (% pence)', p.id, p.amount_pence, total USING ERRCODE = 'check_violation';
         END IF;
       END IF;
       IF NEW.payment_id IS NULL THEN RETURN NULL; END IF;
       pid := NEW.payment_id;
     END IF;
     marker := 'outcomes.paid_' || replace(pid::text, '-', '');
     IF current_setting(marker, true) = 'checked' THEN RETURN NULL; END IF;
     PERFORM set_config(marker, 'checked', true);
     SELECT * INTO p FROM outcome_payments WHERE organisation_id = NEW.organisation_id AND contract_id = NEW.contract_id AND id = pid;
     SELECT coalesce(sum(amount_pence), 0) INTO total FROM outcome_claims
      WHERE organisation_id = p.organisation_id AND contract_id = p.contract_id AND payment_id = p.id AND status = 'accepted';
     IF total <> p.amount_pence THEN
       RAISE EXCEPTION 'payment % of % pence is not the sum of the claims it pays (% pence)', p.id, p.amount_pence, total USING ERRCODE = 'check_violation';
     END IF;
     RETURN NULL;
   END $$`,
  `CREATE CONSTRAINT TRIGGER outcome_payments_traceable AFTER INSERT OR UPDATE ON outcome_payments
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION outcome_payment_traceable()`,
  `CREATE CONSTRAINT TRIGGER outcome_claims_traceable AFTER UPDATE OF payment_id, amount_pence, status ON outcome_claims
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION outcome_payment_traceable()`,
  `CREATE TABLE outcome_comparisons (
     organisation_id uuid NOT NULL,
     contract_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     measure text NOT NULL CHECK (length(measure) BETWEEN 1 AND 200),
     period_start date NOT NULL,
     period_end date NOT NULL,
     cohort_size integer NOT NULL CHECK (cohort_size > 0),
     cohort_events integer NOT NULL CHECK (cohort_events >= 0),
     comparison_size integer NOT NULL CHECK (comparison_size > 0),
     comparison_events integer NOT NULL CHECK (comparison_events >= 0),
     better text NOT NULL CHECK (better IN ('lower', 'higher')),
     threshold_basis_points integer NOT NULL CHECK (threshold_basis_points BETWEEN 0 AND 10000),
     source text NOT NULL DEFAULT '' CHECK (length(source) <= 500),
     recorded_by uuid REFERENCES users(id),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, contract_id, id),
     FOREIGN KEY (organisation_id, contract_id) REFERENCES outcome_contracts (organisation_id, id),
     CHECK (period_end >= period_start),
     CHECK (cohort_events <= cohort_size AND comparison_events <= comparison_size)
   )`,

  // ---- Social investment ----
  `CREATE TABLE outcome_investments (
     organisation_id uuid NOT NULL,
     contract_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     investor_organisation_id uuid NOT NULL REFERENCES organisations(id),
     investment_type text NOT NULL CHECK (investment_type IN ('debt', 'equity', 'combination')),
     committed_pence bigint NOT NULL CHECK (committed_pence > 0),
     drawn_pence bigint NOT NULL DEFAULT 0 CHECK (drawn_pence >= 0),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, contract_id, id),
     FOREIGN KEY (organisation_id, contract_id) REFERENCES outcome_contracts (organisation_id, id),
     CONSTRAINT outcome_investments_within_commitment CHECK (drawn_pence <= committed_pence)
   )`,
  `CREATE UNIQUE INDEX outcome_investments_id ON outcome_investments (id)`,
  `CREATE UNIQUE INDEX outcome_investments_investor ON outcome_investments (organisation_id, contract_id, investor_organisation_id)`,
  `CREATE TABLE outcome_investment_flows (
     organisation_id uuid NOT NULL,
     contract_id uuid NOT NULL,
     investment_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     kind text NOT NULL CHECK (kind IN ('drawdown', 'repayment')),
     flow_on date NOT NULL,
     amount_pence bigint NOT NULL CHECK (amount_pence > 0),
     note text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
     recorded_by uuid REFERENCES users(id),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, contract_id, investment_id, id),
     FOREIGN KEY (organisation_id, contract_id, investment_id) REFERENCES outcome_investments (organisation_id, contract_id, id)
   )`,
];
