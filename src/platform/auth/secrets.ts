import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

// Argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane). The enum is const in the typings,
// so its value is written out: 2 = Argon2id.
const argon2id = 2;
const argonOptions = { algorithm: argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, argonOptions);
}

// A real hash to verify against when the account does not exist, so timing does not reveal which emails exist.
let dummyHash: Promise<string> | null = null;

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (!passwordHash) {
    dummyHash ??= hashPassword('not a real password at all');
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}

/** A random secret for a URL or a cookie: 32 bytes, base64url. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Secrets are stored only as their sha256: enough for high-entropy random tokens, which cannot be guessed. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** API tokens look like `cw_<43 base64url chars>`; anything else is refused before touching the database. */
export const apiTokenPattern = /^cw_[A-Za-z0-9_-]{43}$/;

export function newApiToken(): string {
  return `cw_${randomToken(32)}`;
}
