import type { ColumnType, Generated } from 'kysely';

/** Timestamps come back as Date and may be written as Date or ISO string. */
export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  password_hash: string | null;
  is_admin: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface SessionsTable {
  /** sha256 of the cookie value: a leaked table does not leak sessions. */
  id_hash: string;
  user_id: string | null;
  csrf_token: string;
  created_at: Generated<Date>;
  expires_at: Timestamp;
  last_seen_at: Generated<Date>;
}

export interface ApiTokensTable {
  id: Generated<string>;
  user_id: string;
  name: string;
  /** First characters of the token, shown so a person can tell tokens apart. */
  prefix: string;
  token_hash: string;
  created_at: Generated<Date>;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface PasswordResetsTable {
  token_hash: string;
  user_id: string;
  created_at: Generated<Date>;
  expires_at: Timestamp;
  used_at: Date | null;
}

/** A registration waiting for its email address to be confirmed (migration 0019). */
export interface RegistrationsTable {
  token_hash: string;
  email: string;
  name: string;
  password_hash: string;
  created_at: Generated<Date>;
  expires_at: Timestamp;
}

export interface MembershipsTable {
  organisation_id: string;
  user_id: string;
  role: string;
  created_at: Generated<Date>;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: Generated<Date>;
  actor_user_id: string | null;
  actor_token_id: string | null;
  actor_via: string;
  organisation_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  before: ColumnType<unknown, string | null, string | null>;
  after: ColumnType<unknown, string | null, string | null>;
}

export interface OutboxTable {
  id: Generated<string>;
  to_address: string;
  subject: string;
  body_text: string;
  kind: string;
  created_at: Generated<Date>;
  sent_at: Date | null;
  attempts: Generated<number>;
  last_error: string | null;
}

/** A person's choice for one kind of work email; no row means the default, which is to email them. */
export interface NotificationSettingsTable {
  user_id: string;
  kind: string;
  email: boolean;
  updated_at: Generated<Date>;
}

/** What a publisher uploaded, held until it is checked and published (src/platform/drafts.ts). */
export interface DraftsTable {
  organisation_id: string;
  id: Generated<string>;
  kind: string;
  state: ColumnType<'draft' | 'published' | 'discarded' | 'expired', 'draft' | undefined, 'draft' | 'published' | 'discarded' | 'expired'>;
  title: string;
  filename: string | null;
  fingerprint: string | null;
  payload: ColumnType<unknown, string, string>;
  check_result: ColumnType<unknown, string, string>;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  expires_at: Timestamp;
  closed_by: ColumnType<string | null, string | null | undefined, string | null>;
  closed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  result_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface DraftBytesTable {
  organisation_id: string;
  draft_id: string;
  piece: number;
  data: Uint8Array;
}

/** Migration 0029: what people say through the phase banner's feedback link. */
export interface FeedbackTable {
  id: Generated<string>;
  page: Generated<string>;
  body: string;
  email: string | null;
  user_id: string | null;
  created_at: Generated<Date>;
}

export interface PlatformTables {
  feedback: FeedbackTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  password_resets: PasswordResetsTable;
  registrations: RegistrationsTable;
  memberships: MembershipsTable;
  audit_log: AuditLogTable;
  outbox: OutboxTable;
  notification_settings: NotificationSettingsTable;
  platform_drafts: DraftsTable;
  platform_draft_bytes: DraftBytesTable;
}
