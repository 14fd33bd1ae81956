// Table interfaces (Kysely) of grant programmes, applications, assessment and awards (migration 0040).
import type { ColumnType, Generated } from 'kysely';

type Json = ColumnType<unknown, string, string>;
type Stamp = ColumnType<Date | null, Date | null | undefined, Date | null>;
type Pence = ColumnType<number, number, number>;

export interface GrantsProgrammesTable {
  organisation_id: string;
  id: Generated<string>;
  title: string;
  purpose: string;
  area_codes: ColumnType<string[], string[] | undefined, string[]>;
  recipient_types: string[];
  min_pence: Pence;
  max_pence: Pence;
  budget_pence: Pence;
  opens_on: ColumnType<string, string, string>;
  closes_on: ColumnType<string, string, string>;
  questions: Json;
  criteria: Json;
  panel_chair_id: string | null;
  pot_organisation_id: string | null;
  pot_grant_id: string | null;
  created_by: string | null;
  created_at: Generated<Date>;
}

export interface GrantsProgrammeAssessorsTable {
  organisation_id: string;
  programme_id: string;
  user_id: string;
  added_by: string | null;
  added_at: Generated<Date>;
}

export type ApplicationStatus = 'draft' | 'submitted' | 'eligible' | 'ineligible' | 'awarded' | 'declined';

export interface GrantsApplicationsTable {
  organisation_id: string;
  id: Generated<string>;
  programme_id: string;
  applicant_id: string;
  applicant_organisation_id: string | null;
  applicant_name: string;
  recipient_type: string;
  group_details: ColumnType<unknown, string | null | undefined, string | null>;
  title: ColumnType<string, string | undefined, string>;
  amount_pence: ColumnType<number | null, number | null | undefined, number | null>;
  postcode: string | null;
  area_code: string | null;
  la_code: string | null;
  answers: ColumnType<unknown, string | undefined, string>;
  status: ColumnType<ApplicationStatus, ApplicationStatus | undefined, ApplicationStatus>;
  screening_reason: string | null;
  screened_by: string | null;
  submitted_at: Stamp;
  created_at: Generated<Date>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface GrantsApplicationPeopleTable {
  organisation_id: string;
  application_id: string;
  email: string;
  user_id: string | null;
  invited_by: string | null;
  invited_at: Generated<Date>;
}

export interface GrantsApplicationEqualityTable {
  organisation_id: string;
  application_id: string;
  answers: Json;
  saved_at: ColumnType<Date, Date | undefined, Date>;
}

export interface GrantsAssessmentsTable {
  organisation_id: string;
  application_id: string;
  assessor_id: string;
  conflict: ColumnType<boolean, boolean | undefined, boolean>;
  conflict_reason: string | null;
  scores: ColumnType<unknown, string | null | undefined, string | null>;
  recommendation: 'yes' | 'maybe' | 'no' | null;
  comments: string | null;
  submitted_at: Stamp;
  created_at: Generated<Date>;
}

export interface GrantsDecisionsTable {
  organisation_id: string;
  application_id: string;
  decision: 'award' | 'decline';
  amount_pence: number | null;
  reasons: string;
  feedback: ColumnType<string, string | undefined, string>;
  decided_by: string | null;
  decided_at: Generated<Date>;
}

export interface GrantsAwardsTable {
  organisation_id: string;
  id: Generated<string>;
  programme_id: string;
  application_id: string;
  grant_id: string;
  amount_pence: Pence;
  conditions: ColumnType<string, string | undefined, string>;
  status: ColumnType<'active' | 'closed', 'active' | 'closed' | undefined, 'active' | 'closed'>;
  awarded_on: ColumnType<string, string, string>;
  closed_at: Stamp;
  created_at: Generated<Date>;
}

export interface GrantsAwardPaymentsTable {
  organisation_id: string;
  award_id: string;
  number: number;
  due_on: ColumnType<string, string, string>;
  amount_pence: Pence;
  paid_on: ColumnType<string | null, string | null | undefined, string | null>;
  paid_by: string | null;
  /** The spending line the instalment was published as (a verified public body's award; migration 0045). */
  spend_file_id: ColumnType<string | null, string | null | undefined, string | null>;
  spend_line: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface GrantsAwardReportsTable {
  organisation_id: string;
  award_id: string;
  number: number;
  kind: 'monitoring' | 'end';
  due_on: ColumnType<string, string, string>;
  text: string | null;
  submitted_at: Stamp;
  submitted_by: string | null;
}

export interface GrantsAwardVariationsTable {
  organisation_id: string;
  award_id: string;
  id: Generated<string>;
  reason: string;
  conditions: string | null;
  made_by: string | null;
  made_at: Generated<Date>;
}

export interface GrantsProgrammeAlertsTable {
  user_id: string;
  id: Generated<string>;
  words: string | null;
  la_code: string | null;
  created_at: Generated<Date>;
  /** The secret of the alert's one-click unsubscribe link (migration 0043). */
  unsubscribe_token: Generated<string>;
}

/** A reminder sent about a report (migration 0043): one row a report and stage, so each goes once. */
export interface GrantsAwardReportRemindersTable {
  organisation_id: string;
  award_id: string;
  number: number;
  stage: 'due-soon' | 'overdue';
  due_on: ColumnType<string, string, string>;
  recipients: ColumnType<number, number | undefined, number>;
  sent_at: Generated<Date>;
}

/** The file of a `file` question of an application (migration 0046): one a question, bytes beside it. */
export interface GrantsApplicationFilesTable {
  organisation_id: string;
  application_id: string;
  question_key: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  data: Uint8Array;
  uploaded_by: string | null;
  uploaded_at: ColumnType<Date, Date | undefined, Date>;
}

export interface ProgrammesTables {
  grants_programmes: GrantsProgrammesTable;
  grants_programme_assessors: GrantsProgrammeAssessorsTable;
  grants_applications: GrantsApplicationsTable;
  grants_application_people: GrantsApplicationPeopleTable;
  grants_application_equality: GrantsApplicationEqualityTable;
  grants_assessments: GrantsAssessmentsTable;
  grants_decisions: GrantsDecisionsTable;
  grants_awards: GrantsAwardsTable;
  grants_award_payments: GrantsAwardPaymentsTable;
  grants_award_reports: GrantsAwardReportsTable;
  grants_award_variations: GrantsAwardVariationsTable;
  grants_programme_alerts: GrantsProgrammeAlertsTable;
  grants_award_report_reminders: GrantsAwardReportRemindersTable;
  grants_application_files: GrantsApplicationFilesTable;
}
