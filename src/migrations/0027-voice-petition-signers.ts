// Petition signers anywhere, and the fraud tools moderators rely on.
//
// - A signer in the UK gives a postcode; the place finder places it where postcodes are loaded, and where it is
//   not loaded the postcode is accepted by its shape (postcode_found false) and its local authority may be
//   unknown, so la_code may be null. `nation` is E, W, S or N (from the local authority, or the postcode's
//   shape: BT is Northern Ireland). A signer outside the UK gives no postcode but a country (ISO 3166 alpha-2).
// - ip_prefix is the signer's network, never their address: IPv4 cut to /24, IPv6 to /48 (for the surge report).
// - token_issued_at: when the emailed link was (re)sent; a link older than a week has expired, and signing again
//   with the same address sends a new one.
// - One index serves the surge report and time-window invalidations.
export const statements = [
  `ALTER TABLE voice_signatures ALTER COLUMN la_code DROP NOT NULL`,
  `ALTER TABLE voice_signatures ALTER COLUMN postcode DROP NOT NULL`,
  `ALTER TABLE voice_signatures ADD COLUMN nation text CHECK (nation IN ('E', 'W', 'S', 'N'))`,
  `ALTER TABLE voice_signatures ADD COLUMN country text CHECK (country ~ '^[A-Z]{2}$' AND country <> 'GB')`,
  `ALTER TABLE voice_signatures ADD COLUMN postcode_found boolean NOT NULL DEFAULT false`,
  `ALTER TABLE voice_signatures ADD COLUMN ip_prefix text CHECK (length(ip_prefix) <= 64)`,
  `ALTER TABLE voice_signatures ADD COLUMN token_issued_at timestamptz NOT NULL DEFAULT now()`,
  `UPDATE voice_signatures SET token_issued_at = created_at`,
  `ALTER TABLE voice_signatures ADD CONSTRAINT voice_signatures_where CHECK ((postcode IS NULL) = (country IS NOT NULL))`,
  `UPDATE voice_signatures SET nation = left(la_code, 1) WHERE la_code ~ '^[EWSN][0-9]{8}$'`,
  // A creator finds their petitions from their account.
  `CREATE INDEX voice_petitions_creator ON voice_petitions (creator_user_id)`,
  `CREATE INDEX voice_signatures_signed ON voice_signatures (organisation_id, petition_id, created_at)`,
];
