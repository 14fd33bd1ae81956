// The place finder: postcodes and wards, so people can find their small area by what they know.
//
// - places_postcodes: one row per postcode unit from the ONS postcode directories (NSPL, ONSPD or the "postcode
//   to OA to LSOA" lookup): its best-fit small area (LSOA 2011 or data zone 2011) and local authority, and the
//   month it was terminated (null while live). `compact` is the postcode upper-cased without spaces: the key a
//   person's typing is reduced to. Small-area codes are not foreign keys: the deprivation imports replace a
//   country's small areas wholesale, and a postcode outlives that; reads join when they present.
// - places_wards and places_area_wards: electoral wards, and the best-fit ward of each small area (ONS "LSOA
//   (2011) to ward" lookups), which gives small areas a human name ("Byker (Newcastle upon Tyne 026C)") and lets
//   a ward name find its small areas.
// - places_imports also records these two datasets (a repeated file is a no-op).
export const statements = [
  `CREATE TABLE places_postcodes (
     compact text PRIMARY KEY CHECK (compact ~ '^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$'),
     postcode text NOT NULL,
     outward text NOT NULL,
     sector text NOT NULL,
     area_code text,
     la_code text,
     terminated text CHECK (terminated IS NULL OR terminated ~ '^[0-9]{6}$')
   )`,
  `CREATE INDEX places_postcodes_sector ON places_postcodes (sector, area_code)`,
  `CREATE INDEX places_postcodes_outward ON places_postcodes (outward, area_code)`,
  `CREATE TABLE places_wards (
     code text PRIMARY KEY CHECK (code ~ '^[EWS][0-9]{8}$'),
     name text NOT NULL,
     la_code text NOT NULL
   )`,
  `CREATE INDEX places_wards_name ON places_wards (lower(name) text_pattern_ops)`,
  `CREATE TABLE places_area_wards (
     area_code text PRIMARY KEY,
     ward_code text NOT NULL REFERENCES places_wards(code)
   )`,
  `CREATE INDEX places_area_wards_ward ON places_area_wards (ward_code)`,
  `ALTER TABLE places_imports DROP CONSTRAINT places_imports_dataset_check`,
  `ALTER TABLE places_imports ADD CONSTRAINT places_imports_dataset_check CHECK (dataset IN ('iod2019', 'simd2020', 'postcodes', 'wards'))`,
];
