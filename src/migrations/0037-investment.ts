// Social investment (issue 19): deals that mix grant, loan and equity, their repayments and write-offs; and the
// Community Investment Tax Relief (CITR) ledger of an accredited Community Development Finance Institution.
// The database enforces the CITR rules that a write could break, whatever process writes and however writes
// interleave (src/investment/README.md cites HMRC's Community Investment Tax Relief Manual for each):
//   - a CDFI's accreditation period and its limit on certified investments (CITM2040, CITM2070): a certificate is
//     for an investment made in the period, and the certified total never passes the limit;
//   - one tax relief certificate per investment (primary key), issued within 30 days of the investment (CITM4060);
//   - investors' loans: no repayment of capital in years 1 and 2, and at most 25%, 50% and 75% of the loan repaid
//     by the end of years 3, 4 and 5 (a contractual rule that keeps the statutory permitted balance of CITM7050);
//   - a deal's repayments and write-offs never pass what the investee owes.
// Writers serialise on a row lock (the CDFI's for certificates and investors' repayments, the deal's for its own), taken in
// the trigger itself, so two certificates or two repayments sent at once are checked one after the other.
// Ledger rows are append-only: a mistake is corrected by a new row, never by changing history.
// Every table carries the investing organisation's id leading its primary key.
export const statements = [
  `CREATE TABLE investment_cdfis (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     accredited_from date NOT NULL,
     accredited_to date NOT NULL,
     application_pence bigint NOT NULL CHECK (application_pence > 0 AND application_pence <= 100000000000),
     certificate_limit_pence bigint NOT NULL CHECK (certificate_limit_pence > 0 AND certificate_limit_pence <= 100000000000),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id),
     CHECK (accredited_to > accredited_from)
   )`,
  `CREATE TABLE investment_citr_investments (
     organisation_id uuid NOT NULL REFERENCES investment_cdfis(organisation_id),
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     investor_organisation_id uuid NOT NULL REFERENCES organisations(id),
     kind text NOT NULL CHECK (kind IN ('loan', 'shares', 'securities')),
     amount_pence bigint NOT NULL CHECK (amount_pence > 0 AND amount_pence <= 10000000000),
     invested_on date NOT NULL,
     recorded_by uuid REFERENCES users(id),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, id),
     CHECK (investor_organisation_id <> organisation_id)
   )`,
  `CREATE UNIQUE INDEX investment_citr_investments_id ON investment_citr_investments (id)`,
  `CREATE INDEX investment_citr_investments_investor ON investment_citr_investments (organisation_id, investor_organisation_id)`,
  `CREATE TABLE investment_citr_certificates (
     organisation_id uuid NOT NULL,
     investment_id uuid NOT NULL,
     reference text NOT NULL CHECK (length(reference) BETWEEN 1 AND 60),
     issued_on date NOT NULL,
     amount_pence bigint NOT NULL CHECK (amount_pence > 0),
     issued_by uuid REFERENCES users(id),
     created_at timestamptz NOT NULL DEFAULT now(),
     -- One certificate per investment, whatever happens at once.
     PRIMARY KEY (organisation_id, investment_id),
     FOREIGN KEY (organisation_id, investment_id) REFERENCES investment_citr_investments (organisation_id, id)
   )`,
  `CREATE UNIQUE INDEX investment_citr_certificates_reference ON investment_citr_certificates (organisation_id, reference)`,
  `CREATE FUNCTION investment_citr_certificate_rules() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE c investment_cdfis%ROWTYPE; i investment_citr_investments%ROWTYPE; certified bigint;
   BEGIN
     -- Certificates of one CDFI are checked one at a time: the limit holds under any interleaving.
     SELECT * INTO c FROM investment_cdfis WHERE organisation_id = NEW.organisation_id FOR UPDATE;
     SELECT * INTO i FROM investment_citr_investments WHERE organisation_id = NEW.organisation_id AND id = NEW.investment_id;
     -- Read after the lock, so a certificate committed by a writer that held it first is seen.
     IF EXISTS (SELECT 1 FROM investment_citr_certificates WHERE organisation_id = NEW.organisation_id AND investment_id = NEW.investment_id) THEN
       RAISE EXCEPTION 'investment: this investment already has its tax relief certificate' USING ERRCODE = 'unique_violation';
     END IF;
     IF NEW.amount_pence <> i.amount_pence THEN
       RAISE EXCEPTION 'investment: a certificate is for the whole investment (% pence), not % pence', i.amount_pence, NEW.amount_pence USING ERRCODE = 'check_violation';
     END IF;
     IF i.invested_on < c.accredited_from OR i.invested_on > c.accredited_to THEN
       RAISE EXCEPTION 'investment: the investment of % was made outside the accreditation period (% to %)', i.invested_on, c.accredited_from, c.accredited_to USING ERRCODE = 'check_violation';
     END IF;
     IF NEW.issued_on < i.invested_on OR NEW.issued_on > i.invested_on + 30 THEN
       RAISE EXCEPTION 'investment: a certificate must be issued within 30 days of the investment (by %)', i.invested_on + 30 USING ERRCODE = 'check_violation';
     END IF;
     SELECT COALESCE(sum(amount_pence), 0) INTO certified FROM investment_citr_certificates WHERE organisation_id = NEW.organisation_id;
     IF certified + NEW.amount_pence > c.certificate_limit_pence THEN
       RAISE EXCEPTION 'investment: certifying % pence would take the CDFI past its limit of % pence (% pence certified)', NEW.amount_pence, c.certificate_limit_pence, certified USING ERRCODE = 'check_violation';
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER investment_citr_certificates_rules BEFORE INSERT ON investment_citr_certificates
     FOR EACH ROW EXECUTE FUNCTION investment_citr_certificate_rules()`,
  `CREATE TABLE investment_citr_repayments (
     organisation_id uuid NOT NULL,
     investment_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     repaid_on date NOT NULL,
     amount_pence bigint NOT NULL CHECK (amount_pence > 0),
     recorded_by uuid REFERENCES users(id),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, investment_id, id),
     FOREIGN KEY (organisation_id, investment_id) REFERENCES investment_citr_investments (organisation_id, id)
   )`,
  `CREATE FUNCTION investment_citr_repayment_rules() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE i investment_citr_investments%ROWTYPE; repaid bigint; yr integer; cap bigint;
   BEGIN
     -- Repayments of one CDFI are checked one at a time. The lock is on the CDFI's row: the investments table is
     -- append-only, so the app's role may not lock its rows (locking needs UPDATE, which it does not have).
     PERFORM 1 FROM investment_cdfis WHERE organisation_id = NEW.organisation_id FOR UPDATE;
     SELECT * INTO i FROM investment_citr_investments WHERE organisation_id = NEW.organisation_id AND id = NEW.investment_id;
     IF i.kind <> 'loan' THEN
       RAISE EXCEPTION 'investment: only a loan is repaid; shares and securities are not' USING ERRCODE = 'check_violation';
     END IF;
     IF NEW.repaid_on < i.invested_on THEN
       RAISE EXCEPTION 'investment: a repayment cannot come before the loan was made (%)', i.invested_on USING ERRCODE = 'check_violation';
     END IF;
     -- The year of the five-year period the repayment falls in: year k runs from the (k-1)th anniversary.
     yr := 1;
     WHILE yr <= 5 AND NEW.repaid_on >= (i.invested_on + make_interval(years => yr))::date LOOP yr := yr + 1; END LOOP;
     SELECT COALESCE(sum(amount_pence), 0) INTO repaid FROM investment_citr_repayments WHERE organisation_id = NEW.organisation_id AND investment_id = NEW.investment_id;
     cap := CASE WHEN yr <= 2 THEN 0 WHEN yr = 3 THEN i.amount_pence / 4 WHEN yr = 4 THEN i.amount_pence / 2 WHEN yr = 5 THEN (i.amount_pence * 3) / 4 ELSE i.amount_pence END;
     IF repaid + NEW.amount_pence > cap THEN
       RAISE EXCEPTION 'investment: repaying % pence in year % would bring the total repaid to % pence, past the % pence allowed by then', NEW.amount_pence, yr, repaid + NEW.amount_pence, cap USING ERRCODE = 'check_violation';
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER investment_citr_repayments_rules BEFORE INSERT ON investment_citr_repayments
     FOR EACH ROW EXECUTE FUNCTION investment_citr_repayment_rules()`,

  // Deals: any mix of grant, loan and equity from one investor to one investee (Social Economy Data Lab's model).
  `CREATE TABLE investment_deals (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     investee_organisation_id uuid NOT NULL REFERENCES organisations(id),
     title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
     purpose text NOT NULL DEFAULT '' CHECK (length(purpose) <= 2000),
     grant_pence bigint NOT NULL DEFAULT 0 CHECK (grant_pence >= 0),
     loan_pence bigint NOT NULL DEFAULT 0 CHECK (loan_pence >= 0),
     equity_pence bigint NOT NULL DEFAULT 0 CHECK (equity_pence >= 0),
     interest_basis_points integer NOT NULL DEFAULT 0 CHECK (interest_basis_points BETWEEN 0 AND 5000),
     term_months integer CHECK (term_months BETWEEN 1 AND 360),
     holiday_months integer NOT NULL DEFAULT 0 CHECK (holiday_months >= 0),
     starts_on date NOT NULL,
     area_code text CHECK (area_code ~ '^[ES]0[0-9]{7}$'),
     qualifying boolean NOT NULL DEFAULT false,
     created_by uuid REFERENCES users(id),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, id),
     CHECK (grant_pence + loan_pence + equity_pence > 0 AND grant_pence + loan_pence + equity_pence <= 10000000000),
     CHECK ((loan_pence = 0) = (term_months IS NULL)),
     CHECK (term_months IS NULL OR holiday_months < term_months),
     CHECK (investee_organisation_id <> organisation_id)
   )`,
  `CREATE UNIQUE INDEX investment_deals_id ON investment_deals (id)`,
  `CREATE INDEX investment_deals_investee ON investment_deals (investee_organisation_id)`,
  `CREATE TABLE investment_deal_repayments (
     organisation_id uuid NOT NULL,
     deal_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     paid_on date NOT NULL,
     amount_pence bigint NOT NULL CHECK (amount_pence > 0),
     reference text NOT NULL DEFAULT '' CHECK (length(reference) <= 200),
     recorded_by uuid REFERENCES users(id),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, deal_id, id),
     FOREIGN KEY (organisation_id, deal_id) REFERENCES investment_deals (organisation_id, id)
   )`,
  `CREATE TABLE investment_deal_write_offs (
     organisation_id uuid NOT NULL,
     deal_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     written_off_on date NOT NULL,
     amount_pence bigint NOT NULL CHECK (amount_pence > 0),
     reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
     recorded_by uuid REFERENCES users(id),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, deal_id, id),
     FOREIGN KEY (organisation_id, deal_id) REFERENCES investment_deals (organisation_id, id)
   )`,
  // The most a deal's repayments and write-offs may reach is what the schedule asks for (the service stores it
  // in owed_pence when the deal is made: the loan plus its scheduled interest). Checked under the deal's lock.
  `ALTER TABLE investment_deals ADD COLUMN owed_pence bigint NOT NULL DEFAULT 0 CHECK (owed_pence >= loan_pence)`,
  `CREATE FUNCTION investment_deal_within_owed() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE d investment_deals%ROWTYPE; settled bigint;
   BEGIN
     SELECT * INTO d FROM investment_deals WHERE organisation_id = NEW.organisation_id AND id = NEW.deal_id FOR UPDATE;
     IF d.loan_pence = 0 THEN
       RAISE EXCEPTION 'investment: this deal has no loan to repay or write off' USING ERRCODE = 'check_violation';
     END IF;
     SELECT (SELECT COALESCE(sum(amount_pence), 0) FROM investment_deal_repayments WHERE organisation_id = NEW.organisation_id AND deal_id = NEW.deal_id)
          + (SELECT COALESCE(sum(amount_pence), 0) FROM investment_deal_write_offs WHERE organisation_id = NEW.organisation_id AND deal_id = NEW.deal_id)
       INTO settled;
     IF settled + NEW.amount_pence > d.owed_pence THEN
       RAISE EXCEPTION 'investment: % pence would take what is repaid and written off to % pence, past the % pence owed', NEW.amount_pence, settled + NEW.amount_pence, d.owed_pence USING ERRCODE = 'check_violation';
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER investment_deal_repayments_within BEFORE INSERT ON investment_deal_repayments
     FOR EACH ROW EXECUTE FUNCTION investment_deal_within_owed()`,
  `CREATE TRIGGER investment_deal_write_offs_within BEFORE INSERT ON investment_deal_write_offs
     FOR EACH ROW EXECUTE FUNCTION investment_deal_within_owed()`,
  // Append-only ledgers.
  `CREATE FUNCTION investment_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
   END $$`,
  ...['investment_citr_investments', 'investment_citr_certificates', 'investment_citr_repayments', 'investment_deal_repayments', 'investment_deal_write_offs'].flatMap((t) => [
    `CREATE TRIGGER ${t}_no_update_delete BEFORE UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION investment_append_only()`,
    `CREATE TRIGGER ${t}_no_truncate BEFORE TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION investment_append_only()`,
  ]),
  // A deal's money terms are fixed once it is made (a variation would be a new deal).
  `CREATE FUNCTION investment_deal_terms_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     RAISE EXCEPTION 'investment: a deal''s parties and money terms cannot change (deal %)', OLD.id USING ERRCODE = 'insufficient_privilege';
   END $$`,
  `CREATE TRIGGER investment_deals_terms_fixed BEFORE UPDATE OF organisation_id, id, investee_organisation_id, grant_pence, loan_pence, equity_pence, interest_basis_points, term_months, holiday_months, starts_on, owed_pence
     ON investment_deals FOR EACH ROW EXECUTE FUNCTION investment_deal_terms_fixed()`,
];
