// Operations: limits that hold across several app processes.
//
// - platform_rate_limits: the request counters behind every rate limit (sign-in, registration, stories,
//   petitions and signatures …), one row per route and client address, in a fixed window. Kept in the
//   database so that N app processes behind a load balancer count together: a limit of 10 a minute is 10, not
//   10 × N. The key is a hash of route and address (no address is stored). Rows past their window are
//   deleted by every server process hourly.
export const statements = [
  `CREATE TABLE platform_rate_limits (
     key text PRIMARY KEY,
     window_start timestamptz NOT NULL,
     hits integer NOT NULL CHECK (hits > 0)
   )`,
  `CREATE INDEX platform_rate_limits_window ON platform_rate_limits (window_start)`,
];
