// Voice: a services directory, stories about services with public responses, and petitions.
// Services, responses, petitions and their signatures belong to a publishing body: organisation_id leads their
// keys. A story belongs to the person who told it and may be about services of several organisations, so it
// carries no organisation_id itself; its links to services do (voice_story_services).
// Nothing is public until moderated: status columns say so, and every query that shows text filters on them.
export const statements = [
  // Who moderates: members with the `moderator` role in one designated organisation (and site administrators).
  `CREATE TABLE voice_settings (
     singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
     moderating_organisation_id uuid REFERENCES organisations(id)
   )`,
  `CREATE TABLE voice_services (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
     description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
     decision_type text NOT NULL CHECK (decision_type IN ('involvement', 'joined-up', 'technical', 'framework')),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, id)
   )`,
  `CREATE UNIQUE INDEX voice_services_id ON voice_services (id)`,
  `CREATE UNIQUE INDEX voice_services_name ON voice_services (organisation_id, lower(name))`,
  // An area is a local authority (la_code = area_code) or a small area (la_code is its authority), named as
  // the places module named it when the service was saved.
  `CREATE TABLE voice_service_areas (
     organisation_id uuid NOT NULL,
     service_id uuid NOT NULL,
     area_code text NOT NULL,
     area_kind text NOT NULL CHECK (area_kind IN ('local-authority', 'small-area')),
     area_name text NOT NULL,
     la_code text NOT NULL,
     PRIMARY KEY (organisation_id, service_id, area_code),
     FOREIGN KEY (organisation_id, service_id) REFERENCES voice_services (organisation_id, id) ON DELETE CASCADE
   )`,
  `CREATE INDEX voice_service_areas_la ON voice_service_areas (la_code)`,
  `CREATE INDEX voice_service_areas_code ON voice_service_areas (area_code)`,
  `CREATE TABLE voice_stories (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     title text NOT NULL CHECK (length(title) BETWEEN 1 AND 150),
     body text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
     pseudonym text NOT NULL CHECK (length(pseudonym) BETWEEN 1 AND 60),
     author_email text,
     author_postcode text,
     status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'published', 'rejected')),
     reject_reason text,
     criticality smallint CHECK (criticality BETWEEN 0 AND 5),
     assisted_by uuid REFERENCES users(id),
     me_too integer NOT NULL DEFAULT 0 CHECK (me_too >= 0),
     -- An example invented for the demonstration (set only by the demo seed): answering records count these
     -- apart, so invented stories are never read as a real organisation's record.
     example boolean NOT NULL DEFAULT false,
     submitted_at timestamptz NOT NULL DEFAULT now(),
     published_at timestamptz,
     search tsvector GENERATED ALWAYS AS (to_tsvector('english', title || ' ' || body)) STORED,
     CHECK (status <> 'rejected' OR reject_reason IS NOT NULL),
     CHECK (status <> 'published' OR published_at IS NOT NULL)
   )`,
  `CREATE INDEX voice_stories_status ON voice_stories (status, published_at DESC)`,
  `CREATE INDEX voice_stories_search ON voice_stories USING gin (search)`,
  `CREATE TABLE voice_story_services (
     organisation_id uuid NOT NULL,
     service_id uuid NOT NULL,
     story_id uuid NOT NULL REFERENCES voice_stories(id),
     PRIMARY KEY (organisation_id, service_id, story_id),
     FOREIGN KEY (organisation_id, service_id) REFERENCES voice_services (organisation_id, id)
   )`,
  `CREATE INDEX voice_story_services_story ON voice_story_services (story_id)`,
  `CREATE TABLE voice_story_tags (
     story_id uuid NOT NULL REFERENCES voice_stories(id),
     tag text NOT NULL CHECK (tag ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
     PRIMARY KEY (story_id, tag)
   )`,
  `CREATE INDEX voice_story_tags_tag ON voice_story_tags (tag)`,
  `CREATE TABLE voice_me_too (
     story_id uuid NOT NULL REFERENCES voice_stories(id),
     voter_hash text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (story_id, voter_hash)
   )`,
  `CREATE TABLE voice_responses (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     story_id uuid NOT NULL REFERENCES voice_stories(id),
     responder_user_id uuid REFERENCES users(id),
     responder_name text NOT NULL CHECK (length(responder_name) BETWEEN 1 AND 200),
     body text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
     claims_change boolean NOT NULL DEFAULT false,
     status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'published', 'rejected')),
     reject_reason text,
     confirm_token_hash text,
     change_confirmed_at timestamptz,
     created_at timestamptz NOT NULL DEFAULT now(),
     published_at timestamptz,
     search tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) STORED,
     PRIMARY KEY (organisation_id, id),
     CHECK (change_confirmed_at IS NULL OR claims_change)
   )`,
  `CREATE UNIQUE INDEX voice_responses_id ON voice_responses (id)`,
  `CREATE INDEX voice_responses_story ON voice_responses (story_id, status)`,
  `CREATE INDEX voice_responses_responder ON voice_responses (responder_user_id, status)`,
  `CREATE INDEX voice_responses_search ON voice_responses USING gin (search)`,
  // Every moderation action, with the text before and after: read only by moderators.
  `CREATE TABLE voice_moderation_log (
     id bigserial PRIMARY KEY,
     subject_type text NOT NULL CHECK (subject_type IN ('story', 'response', 'petition')),
     subject_id uuid NOT NULL,
     action text NOT NULL,
     moderator_user_id uuid REFERENCES users(id),
     before jsonb,
     after jsonb,
     at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE INDEX voice_moderation_log_subject ON voice_moderation_log (subject_type, subject_id, id)`,
  `CREATE TABLE voice_subscriptions (
     id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
     user_id uuid NOT NULL REFERENCES users(id),
     scope text NOT NULL CHECK (scope IN ('all', 'service', 'organisation', 'area', 'tag')),
     value text NOT NULL DEFAULT '',
     label text NOT NULL,
     min_criticality smallint CHECK (min_criticality BETWEEN 0 AND 5),
     created_at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE UNIQUE INDEX voice_subscriptions_unique ON voice_subscriptions (user_id, scope, value)`,
  `CREATE INDEX voice_subscriptions_scope ON voice_subscriptions (scope, value)`,
  `CREATE TABLE voice_petition_settings (
     organisation_id uuid PRIMARY KEY REFERENCES organisations(id),
     response_threshold integer NOT NULL DEFAULT 10000 CHECK (response_threshold > 0),
     debate_threshold integer NOT NULL DEFAULT 100000 CHECK (debate_threshold > 0),
     open_days integer NOT NULL DEFAULT 180 CHECK (open_days BETWEEN 1 AND 366),
     required_supporters integer NOT NULL DEFAULT 5 CHECK (required_supporters BETWEEN 0 AND 100)
   )`,
  `CREATE TABLE voice_petitions (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     title text NOT NULL CHECK (length(title) BETWEEN 1 AND 150),
     background text NOT NULL CHECK (length(background) BETWEEN 1 AND 3000),
     creator_user_id uuid REFERENCES users(id),
     creator_name text NOT NULL,
     status text NOT NULL DEFAULT 'collecting' CHECK (status IN ('collecting', 'pending', 'open', 'rejected')),
     reject_reason text,
     required_supporters integer NOT NULL,
     response_threshold integer NOT NULL,
     debate_threshold integer NOT NULL,
     open_days integer NOT NULL,
     opened_at timestamptz,
     closes_at timestamptz,
     response_text text CHECK (length(response_text) <= 10000),
     responded_at timestamptz,
     response_threshold_reached_at timestamptz,
     debate_threshold_reached_at timestamptz,
     -- Confirmed signatures not invalidated: kept in step by the service under the petition's row lock, so a
     -- confirmation need not count a big petition's signatures (the tests check it against a count).
     signatures integer NOT NULL DEFAULT 0 CHECK (signatures >= 0),
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, id),
     CHECK (status <> 'rejected' OR reject_reason IS NOT NULL)
   )`,
  `CREATE UNIQUE INDEX voice_petitions_id ON voice_petitions (id)`,
  `CREATE INDEX voice_petitions_status ON voice_petitions (organisation_id, status)`,
  `CREATE TABLE voice_signature_invalidations (
     organisation_id uuid NOT NULL,
     petition_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
     criteria jsonb NOT NULL,
     signatures integer NOT NULL,
     by_user_id uuid REFERENCES users(id),
     at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, petition_id, id),
     FOREIGN KEY (organisation_id, petition_id) REFERENCES voice_petitions (organisation_id, id)
   )`,
  `CREATE TABLE voice_signatures (
     organisation_id uuid NOT NULL,
     petition_id uuid NOT NULL,
     id uuid NOT NULL DEFAULT gen_random_uuid(),
     name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
     email text NOT NULL,
     canonical_email text NOT NULL,
     postcode text NOT NULL,
     la_code text NOT NULL,
     token_hash text NOT NULL,
     confirmed_at timestamptz,
     invalidation_id uuid,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (organisation_id, petition_id, id),
     FOREIGN KEY (organisation_id, petition_id) REFERENCES voice_petitions (organisation_id, id),
     FOREIGN KEY (organisation_id, petition_id, invalidation_id) REFERENCES voice_signature_invalidations (organisation_id, petition_id, id)
   )`,
  // One signature per person (canonical email) per petition, whatever the race.
  `CREATE UNIQUE INDEX voice_signatures_canonical ON voice_signatures (organisation_id, petition_id, canonical_email)`,
  `CREATE UNIQUE INDEX voice_signatures_token ON voice_signatures (token_hash)`,
  `CREATE INDEX voice_signatures_counted ON voice_signatures (organisation_id, petition_id, la_code) WHERE confirmed_at IS NOT NULL AND invalidation_id IS NULL`,
];
