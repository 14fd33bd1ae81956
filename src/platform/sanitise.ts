// What every request's path and query must be before any route sees them (issue 15, defect 9). Routes with a
// schema are validated by it as well; this holds for every route, pages included, which have none.
import { AppError, type FieldError } from './errors.ts';

/** Control characters PostgreSQL cannot store (NUL) or that have no place in a line of text. */
const controls = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/** Query parameters that are page numbers or counts wherever they appear. */
const wholeNumbers = new Set(['page', 'pageSize', 'limit', 'offset']);
const longest = 2000;

/**
 * Refuses, with 400 naming the field: a control character (NUL above all) in a path parameter or query value;
 * a parameter given twice where the route declares no list; a page number or count, or a value the route's
 * schema declares a number, that is not written plainly (`1e309`, `Infinity`, `1.999`, `0x10`: Ajv's coercion
 * would turn the first two into Infinity, which passes its integer check).
 */
export function checkPathAndQuery(params: unknown, query: unknown, declared: { query?: Record<string, unknown> } = {}): void {
  const errors: FieldError[] = [];
  for (const [name, value] of Object.entries((params ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string' && (controls.test(value) || value.length > longest)) errors.push({ field: name, message: `${name} is not a valid value` });
  }
  for (const [name, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    const declaredHere = declared.query?.[name] as { type?: string } | undefined;
    if (Array.isArray(value) && declaredHere?.type !== 'array') {
      errors.push({ field: name, message: `Give ${name} once` });
      continue;
    }
    for (const v of ([] as unknown[]).concat(value)) {
      if (typeof v !== 'string') continue;
      if (controls.test(v)) errors.push({ field: name, message: `${name} must not contain control characters` });
      else if (v.length > longest) errors.push({ field: name, message: `${name} must be ${longest} characters or fewer` });
      else if (v !== '' && (wholeNumbers.has(name) || declaredHere?.type === 'integer') && !/^-?\d{1,15}$/.test(v)) errors.push({ field: name, message: `${name} must be a whole number` });
      else if (v !== '' && declaredHere?.type === 'number' && !/^-?\d{1,15}(\.\d{1,15})?$/.test(v)) errors.push({ field: name, message: `${name} must be a number` });
    }
  }
  if (errors.length) throw AppError.validation(errors);
}

/** Refuses a NUL or other control character in any text of a parsed form or JSON body, naming the field. */
export function checkBodyText(body: unknown): void {
  const errors: FieldError[] = [];
  const walk = (value: unknown, path: string, depth: number) => {
    if (depth > 20 || errors.length > 20) return;
    if (typeof value === 'string') {
      if (/\u0000/.test(value)) errors.push({ field: path || 'body', message: `${path || 'The body'} must not contain a NUL character` });
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, path ? `${path}.${i}` : String(i), depth + 1));
    } else if (value && typeof value === 'object' && !Buffer.isBuffer(value) && !(value as { uploaded?: unknown }).uploaded) {
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k, depth + 1);
    }
  };
  walk(body, '', 0);
  if (errors.length) throw AppError.validation(errors);
}

/** `map[key]` only for the map's own entries: a key such as `constructor` or `__proto__` finds nothing. */
export function own<T>(map: Record<string, T>, key: unknown): T | undefined {
  return typeof key === 'string' && Object.hasOwn(map, key) ? map[key] : undefined;
}
