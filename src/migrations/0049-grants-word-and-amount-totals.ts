// The explorer's totals for a one-word search and for an amount range, kept (issue 17: every filter p95 ≤ 100 ms
// at 1,000,000 grants). Both are rebuilt for the publisher in the transaction of every import, publish and
// withdrawal, beside grants_explore_totals (0044), so they are never out of step with the grants.
//
// - grants_word_totals: each publisher's current grants counted and summed by word (a lexeme of search_vector,
//   as English stemming stores it) and currency, with the first and last award date. A search whose words come
//   to one lexeme ("community", "gardens") takes its totals from here instead of reading every matching grant
//   (626,751 for "community" at a million). Searches of two or more words, phrases and exclusions still sum
//   the grants.
// - grants_amount_totals: each publisher's current grants counted and summed by currency and amount band —
//   two significant figures of the amount in minor units (£1,000.00 to £1,099.99 is one band; amounts under
//   100 minor units are a band each), [band_low, band_high). An amount range takes the bands wholly inside it
//   from here and reads only the grants of the one or two bands its ends cut through from the amount index.
export const statements = [
  `CREATE TABLE grants_word_totals (
     organisation_id uuid NOT NULL,
     lexeme text NOT NULL,
     currency text NOT NULL,
     grants integer NOT NULL CHECK (grants > 0),
     total numeric NOT NULL,
     first_award date NOT NULL,
     last_award date NOT NULL,
     PRIMARY KEY (organisation_id, lexeme, currency)
   )`,
  `CREATE INDEX grants_word_totals_lexeme ON grants_word_totals (lexeme) INCLUDE (currency, grants, total, first_award, last_award)`,
  `INSERT INTO grants_word_totals (organisation_id, lexeme, currency, grants, total, first_award, last_award)
   SELECT g.organisation_id, w.lexeme, g.currency, count(*), sum(g.amount_minor), min(g.award_date), max(g.award_date)
   FROM grants_grants g CROSS JOIN LATERAL unnest(g.search_vector) AS w WHERE g.is_current GROUP BY 1, 2, 3`,
  `CREATE TABLE grants_amount_totals (
     organisation_id uuid NOT NULL,
     currency text NOT NULL,
     band_low bigint NOT NULL,
     band_high bigint NOT NULL CHECK (band_high > band_low),
     grants integer NOT NULL CHECK (grants > 0),
     total numeric NOT NULL,
     first_award date NOT NULL,
     last_award date NOT NULL,
     PRIMARY KEY (organisation_id, currency, band_low)
   )`,
  `CREATE INDEX grants_amount_totals_band ON grants_amount_totals (currency, band_low) INCLUDE (band_high, grants, total, first_award, last_award)`,
  `INSERT INTO grants_amount_totals (organisation_id, currency, band_low, band_high, grants, total, first_award, last_award)
   SELECT organisation_id, currency, low, low + width, count(*), sum(amount_minor), min(award_date), max(award_date)
   FROM (SELECT organisation_id, currency, amount_minor, award_date,
           CASE WHEN amount_minor < 100 THEN amount_minor ELSE amount_minor - mod(amount_minor, (10::numeric ^ (length(amount_minor::text) - 2))::bigint) END AS low,
           CASE WHEN amount_minor < 100 THEN 1 ELSE (10::numeric ^ (length(amount_minor::text) - 2))::bigint END AS width
         FROM grants_grants WHERE is_current) b
   GROUP BY 1, 2, 3, 4`,
];
