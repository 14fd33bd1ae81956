// Places: local authorities, small areas (English LSOAs 2011, Scottish data zones 2011), the published domain
// ranks of IoD2019 and SIMD2020, and what Commonweal computes from them (index results, district summaries).
// Reference data owned by no publishing body, so no organisation_id. Loaded only by the places importers,
// which replace one country's rows in one transaction.
export const statements = [
  `CREATE TABLE places_local_authorities (
     code text PRIMARY KEY CHECK (code ~ '^[ES][0-9]{8}$'),
     name text NOT NULL,
     country text NOT NULL CHECK (country IN ('england', 'scotland'))
   )`,
  `CREATE INDEX places_local_authorities_name ON places_local_authorities (lower(name))`,
  `CREATE TABLE places_small_areas (
     code text PRIMARY KEY CHECK (code ~ '^[ES]01[0-9]{6}$'),
     name text NOT NULL,
     kind text NOT NULL CHECK (kind IN ('lsoa2011', 'datazone2011')),
     la_code text NOT NULL REFERENCES places_local_authorities(code),
     population integer NOT NULL CHECK (population >= 0)
   )`,
  `CREATE INDEX places_small_areas_la ON places_small_areas (la_code)`,
  `CREATE INDEX places_small_areas_name ON places_small_areas (lower(name))`,
  // IoD2019 File 2: published IMD rank and decile and the seven domain ranks (1 = most deprived).
  `CREATE TABLE places_iod2019_ranks (
     lsoa_code text PRIMARY KEY REFERENCES places_small_areas(code),
     imd_rank integer NOT NULL,
     imd_decile smallint NOT NULL CHECK (imd_decile BETWEEN 1 AND 10),
     income integer NOT NULL,
     employment integer NOT NULL,
     education integer NOT NULL,
     health integer NOT NULL,
     crime integer NOT NULL,
     barriers integer NOT NULL,
     living_environment integer NOT NULL
   )`,
  // SIMD 2020v2: published overall rank and seven domain ranks; tied ranks are averaged, so halves occur.
  `CREATE TABLE places_simd2020_ranks (
     data_zone text PRIMARY KEY REFERENCES places_small_areas(code),
     intermediate_zone text NOT NULL,
     working_age_population integer NOT NULL,
     simd_rank double precision NOT NULL,
     income double precision NOT NULL,
     employment double precision NOT NULL,
     health double precision NOT NULL,
     education double precision NOT NULL,
     access double precision NOT NULL,
     crime double precision NOT NULL,
     housing double precision NOT NULL
   )`,
  // What we computed with the official method: one row per small area (IMD 2019 or SIMD 2020).
  `CREATE TABLE places_index_results (
     area_code text PRIMARY KEY REFERENCES places_small_areas(code),
     index_name text NOT NULL CHECK (index_name IN ('imd2019', 'simd2020')),
     score double precision NOT NULL,
     rank integer NOT NULL,
     decile smallint NOT NULL CHECK (decile BETWEEN 1 AND 10)
   )`,
  `CREATE UNIQUE INDEX places_index_results_rank ON places_index_results (index_name, rank)`,
  // Population-weighted district summaries (England): 'imd' and each of the seven domains.
  `CREATE TABLE places_la_summaries (
     la_code text NOT NULL REFERENCES places_local_authorities(code),
     measure text NOT NULL,
     lsoas integer NOT NULL,
     population integer NOT NULL,
     avg_score double precision,
     avg_rank double precision NOT NULL,
     proportion double precision NOT NULL,
     extent double precision NOT NULL,
     local_concentration double precision NOT NULL,
     rank_avg_score integer,
     rank_avg_rank integer NOT NULL,
     rank_proportion integer NOT NULL,
     rank_extent integer NOT NULL,
     rank_local_concentration integer NOT NULL,
     PRIMARY KEY (la_code, measure)
   )`,
  // One row per dataset loaded: the SHA-256 of the files makes a repeated import a no-op.
  `CREATE TABLE places_imports (
     dataset text PRIMARY KEY CHECK (dataset IN ('iod2019', 'simd2020')),
     sha256 text NOT NULL,
     areas integer NOT NULL,
     imported_at timestamptz NOT NULL DEFAULT now()
   )`,
];
