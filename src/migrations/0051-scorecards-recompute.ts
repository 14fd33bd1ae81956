// Issue 18 (scorecards), the recompute of every service's figures made cheaper:
// - voice_story_answers: for each story and each organisation that has published an answer to it, the time of
//   its first published answer and its counts of changes claimed and confirmed (over its published answers).
//   Kept by the voice repository in the transaction of every write to voice_responses (an answer published,
//   rejected or withdrawn, a change confirmed, the demo's times), under a lock on the story, so the recompute's
//   statement joins one row a story instead of aggregating every answer. Backfilled here.
// - scorecard_figure_years: the recompute now updates a row of scorecard_service_periods only where a figure
//   differs from the one stored (a nightly run with nothing new writes next to nothing), so the time of each
//   financial year's recompute is kept apart, as scorecard_flag_years (0042) does for the flags. Backfilled from
//   the latest computed_at of each year's cached rows.
export const statements = [
  `CREATE TABLE voice_story_answers (
     organisation_id uuid NOT NULL REFERENCES organisations(id),
     story_id uuid NOT NULL REFERENCES voice_stories(id),
     first_at timestamptz,
     changes integer NOT NULL CHECK (changes >= 0),
     confirmed integer NOT NULL CHECK (confirmed >= 0),
     PRIMARY KEY (organisation_id, story_id)
   )`,
  `CREATE INDEX voice_story_answers_story ON voice_story_answers (story_id)`,
  `INSERT INTO voice_story_answers (organisation_id, story_id, first_at, changes, confirmed)
   SELECT organisation_id, story_id, min(published_at), count(*) FILTER (WHERE claims_change), count(*) FILTER (WHERE change_confirmed_at IS NOT NULL)
     FROM voice_responses WHERE status = 'published' GROUP BY organisation_id, story_id`,
  `CREATE TABLE scorecard_figure_years (
     period text PRIMARY KEY,
     computed_at timestamptz NOT NULL DEFAULT now()
   )`,
  `INSERT INTO scorecard_figure_years (period, computed_at)
   SELECT period, max(computed_at) FROM scorecard_service_periods GROUP BY period`,
];
