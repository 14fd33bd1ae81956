// OCDS 1.1.5 for commissioning: the ocid prefix, and validation of release packages against the schema the
// Open Contracting Partnership publishes (a copy lives in schemas/ocds-1.1.5, JSON Schema draft-04).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';

/**
 * The prefix that begins every ocid this installation mints. OCDS asks each publisher to register a prefix
 * with the Open Contracting Partnership ("ocds-" then six characters); `ocds-cmnwl0` is a placeholder that is
 * NOT registered. A real deployment sets COMMONWEAL_OCID_PREFIX to its registered prefix. An ocid is stored
 * on the process when it is created, so changing the prefix later never renames a published process.
 */
export const DEFAULT_OCID_PREFIX = 'ocds-cmnwl0';

/** The ocid prefix in force: COMMONWEAL_OCID_PREFIX when set and well formed, otherwise the default. */
export function ocidPrefix(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.COMMONWEAL_OCID_PREFIX?.trim();
  if (!value) return DEFAULT_OCID_PREFIX;
  if (!/^ocds-[a-z0-9]{6}$/.test(value)) throw new Error(`COMMONWEAL_OCID_PREFIX must look like "ocds-" followed by six lower-case letters or digits, got "${value}"`);
  return value;
}

/** The OCDS version this module publishes (major.minor, as release packages state it). */
export const OCDS_VERSION = '1.1';

const schemaDir = fileURLToPath(new URL('../../schemas/ocds-1.1.5/', import.meta.url));

let compiled: ValidateFunction | null = null;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  // The draft-04 packages are CommonJS; under NodeNext their default export is the module object.
  const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as unknown as new (options: object) => {
    addSchema(schema: object): void;
    compile(schema: object): ValidateFunction;
  };
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (ajv: object) => void;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addSchema(JSON.parse(readFileSync(schemaDir + 'release-schema.json', 'utf8')));
  compiled = ajv.compile(JSON.parse(readFileSync(schemaDir + 'release-package-schema.json', 'utf8')));
  return compiled;
}

function describe(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(package)' : error.instancePath;
  const extra = error.keyword === 'enum' ? ` (one of: ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')})`
    : error.keyword === 'additionalProperties' ? ` ("${(error.params as { additionalProperty: string }).additionalProperty}")`
    : '';
  return `${where} ${error.message ?? 'is invalid'}${extra}`;
}

/**
 * Validates an OCDS release package against the 1.1.5 release package schema. Returns readable errors, one a
 * line, each naming the JSON pointer of the field (e.g. `/releases/0/tag/0 must be equal to one of the allowed
 * values (one of: planning, …)`); an empty array means the package is valid.
 */
export function validateReleasePackage(pkg: unknown): string[] {
  const validate = validator();
  if (validate(pkg)) return [];
  return [...new Set((validate.errors ?? []).map(describe))];
}

/** Validates one release by wrapping it in a minimal package (for callers that build single releases). */
export function validateRelease(release: unknown): string[] {
  return validateReleasePackage({
    uri: 'https://example.org/ocds/validation.json',
    version: OCDS_VERSION,
    publishedDate: new Date().toISOString(),
    publisher: { name: 'validation' },
    releases: [release],
  }).map((line) => line.replace(/^\/releases\/0/, '(release)'));
}
