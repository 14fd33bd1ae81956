// The voice module's tables (Kysely interfaces), composed into the schema in src/database.ts.
import type { ColumnType, Generated } from 'kysely';

export const decisionTypes = ['involvement', 'joined-up', 'technical', 'framework'] as const;
export type DecisionType = (typeof decisionTypes)[number];
export type ModerationStatus = 'pending' | 'published' | 'rejected';
export type PetitionStatus = 'collecting' | 'pending' | 'open' | 'rejected';

export interface VoiceSettingsTable {
  singleton: Generated<boolean>;
  moderating_organisation_id: string | null;
}

export interface VoiceServicesTable {
  organisation_id: string;
  id: Generated<string>;
  name: string;
  description: Generated<string>;
  decision_type: DecisionType;
  created_at: Generated<Date>;
}

export interface VoiceServiceAreasTable {
  organisation_id: string;
  service_id: string;
  area_code: string;
  area_kind: 'local-authority' | 'small-area';
  area_name: string;
  la_code: string;
}

/** The Friends and Family Test scale, best first; 'dont-know' counts as an answer but neither positive nor negative. */
export const FFT_RATINGS = ['very-good', 'good', 'neither', 'poor', 'very-poor', 'dont-know'] as const;
export type FftRating = (typeof FFT_RATINGS)[number];

export interface VoiceStoriesTable {
  id: Generated<string>;
  title: string;
  body: string;
  pseudonym: string;
  author_email: string | null;
  author_postcode: string | null;
  status: Generated<ModerationStatus>;
  reject_reason: string | null;
  criticality: number | null;
  assisted_by: string | null;
  /** The Friends and Family Test answer (migration 0036), or null when the author did not answer. */
  fft_rating: FftRating | null;
  me_too: Generated<number>;
  /** Invented for the demonstration (set only by the demo seed). */
  example: Generated<boolean>;
  submitted_at: Generated<Date>;
  published_at: Date | null;
  search: ColumnType<string, never, never>;
}

export interface VoiceStoryServicesTable {
  organisation_id: string;
  service_id: string;
  story_id: string;
}

export interface VoiceStoryTagsTable {
  story_id: string;
  tag: string;
}

export interface VoiceMeTooTable {
  story_id: string;
  voter_hash: string;
  created_at: Generated<Date>;
}

/** A "me too" waiting for its emailed link to be followed (then it joins voice_me_too under voter_hash). */
export interface VoiceMeTooRequestsTable {
  token_hash: string;
  story_id: string;
  voter_hash: string;
  created_at: Generated<Date>;
  confirmed_at: Date | null;
}

/** Per story and answering organisation: its first published answer and changes claimed/confirmed (migration 0051). */
export interface VoiceStoryAnswersTable {
  organisation_id: string;
  story_id: string;
  first_at: Date | null;
  changes: number;
  confirmed: number;
}

export interface VoiceResponsesTable {
  organisation_id: string;
  id: Generated<string>;
  story_id: string;
  responder_user_id: string | null;
  responder_name: string;
  body: string;
  claims_change: Generated<boolean>;
  status: Generated<ModerationStatus>;
  reject_reason: string | null;
  confirm_token_hash: string | null;
  change_confirmed_at: Date | null;
  created_at: Generated<Date>;
  published_at: Date | null;
  search: ColumnType<string, never, never>;
}

export interface VoiceModerationLogTable {
  id: Generated<string>;
  subject_type: 'story' | 'response' | 'petition';
  subject_id: string;
  action: string;
  moderator_user_id: string | null;
  before: unknown;
  after: unknown;
  at: Generated<Date>;
}

export interface VoiceSubscriptionsTable {
  id: Generated<string>;
  user_id: string;
  scope: 'all' | 'service' | 'organisation' | 'area' | 'tag';
  value: Generated<string>;
  label: string;
  min_criticality: number | null;
  created_at: Generated<Date>;
}

export interface VoicePetitionSettingsTable {
  organisation_id: string;
  response_threshold: Generated<number>;
  debate_threshold: Generated<number>;
  open_days: Generated<number>;
  required_supporters: Generated<number>;
}

export interface VoicePetitionsTable {
  organisation_id: string;
  id: Generated<string>;
  title: string;
  background: string;
  creator_user_id: string | null;
  creator_name: string;
  status: Generated<PetitionStatus>;
  reject_reason: string | null;
  required_supporters: number;
  response_threshold: number;
  debate_threshold: number;
  open_days: number;
  opened_at: Date | null;
  closes_at: Date | null;
  response_text: string | null;
  responded_at: Date | null;
  response_threshold_reached_at: Date | null;
  debate_threshold_reached_at: Date | null;
  signatures: Generated<number>;
  created_at: Generated<Date>;
}

export interface VoiceSignatureInvalidationsTable {
  organisation_id: string;
  petition_id: string;
  id: Generated<string>;
  reason: string;
  criteria: unknown;
  signatures: number;
  by_user_id: string | null;
  at: Generated<Date>;
}

export interface VoiceSignaturesTable {
  organisation_id: string;
  petition_id: string;
  id: Generated<string>;
  name: string;
  email: string;
  canonical_email: string;
  postcode: string | null;
  la_code: string | null;
  /** E, W, S or N; null outside the UK, or when neither the postcode nor a local authority says. */
  nation: string | null;
  /** ISO 3166 alpha-2, for a signer outside the UK (then postcode is null). */
  country: string | null;
  /** Whether the place finder found the postcode (false: accepted by its shape). */
  postcode_found: Generated<boolean>;
  /** The signer's network (IPv4 /24, IPv6 /48), never their address. */
  ip_prefix: string | null;
  token_hash: string;
  token_issued_at: Generated<Date>;
  confirmed_at: Date | null;
  invalidation_id: string | null;
  created_at: Generated<Date>;
}

export interface VoiceTables {
  voice_settings: VoiceSettingsTable;
  voice_services: VoiceServicesTable;
  voice_service_areas: VoiceServiceAreasTable;
  voice_stories: VoiceStoriesTable;
  voice_story_services: VoiceStoryServicesTable;
  voice_story_tags: VoiceStoryTagsTable;
  voice_me_too: VoiceMeTooTable;
  voice_me_too_requests: VoiceMeTooRequestsTable;
  voice_responses: VoiceResponsesTable;
  voice_story_answers: VoiceStoryAnswersTable;
  voice_moderation_log: VoiceModerationLogTable;
  voice_subscriptions: VoiceSubscriptionsTable;
  voice_petition_settings: VoicePetitionSettingsTable;
  voice_petitions: VoicePetitionsTable;
  voice_signature_invalidations: VoiceSignatureInvalidationsTable;
  voice_signatures: VoiceSignaturesTable;
}
