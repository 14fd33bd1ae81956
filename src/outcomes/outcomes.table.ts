// The outcomes module's tables (Kysely interfaces), composed into the schema in src/database.ts.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface OutcomesTables {}
