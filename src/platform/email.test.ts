import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalEmail, normaliseEmail } from './email.ts';
import { eachEngine } from './testing.ts';
import { cliActor } from './actor.ts';
import { authenticate, registerUser } from './auth/auth.service.ts';
import { AppError } from './errors.ts';

describe('email addresses', () => {
  it('spells one mailbox one way: trailing dot, quotes that change nothing, domain case, IDNA, Unicode', () => {
    for (const typed of ['sigtest@example.org', ' sigtest@example.org. ', '"sigtest"@example.org', 'SigTest@EXAMPLE.org', '"sig\\test"@example.org', 'sigtest@example.org..']) {
      assert.equal(normaliseEmail(typed), 'sigtest@example.org', typed);
    }
    for (const typed of ['ana@bücher.example', 'ana@xn--bcher-kva.example', 'ana@BÜCHER.EXAMPLE', 'ana@bu\u0308cher.example', 'ana@bücher.example.']) {
      assert.equal(normaliseEmail(typed), 'ana@xn--bcher-kva.example', typed);
    }
    assert.equal(normaliseEmail('jose\u0301@example.org'), 'jos\u00e9@example.org', 'local part in NFC');
    assert.equal(normaliseEmail('"a b"@example.org'), '"a b"@example.org', 'quotes that matter stay');
    for (const bad of ['', 'no-at', '@example.org', 'a@', 'a@.', 'a@exa mple.org', '""@example.org']) assert.equal(normaliseEmail(bad), null, bad);
  });

  it('recognises a person across provider spellings (sub-addresses, Gmail dots) on top of that', () => {
    assert.equal(canonicalEmail('Jo.Bloggs+petition@googlemail.com.'), 'jobloggs@gmail.com');
    assert.equal(canonicalEmail('"sigtest+x"@example.org'), 'sigtest@example.org');
    assert.equal(canonicalEmail('ana+x@BÜCHER.example'), 'ana@xn--bcher-kva.example');
    assert.equal(canonicalEmail('j.o@example.org'), 'j.o@example.org', 'dots matter outside Gmail');
  });
});

eachEngine('email addresses of accounts', (t) => {
  it('one account per mailbox, however the address is written; signing in works with any spelling', async () => {
    const { db } = t().ctx;
    const password = 'a long enough password';
    const user = await registerUser(db, cliActor, { email: 'grace@bücher.example', name: 'Grace', password });
    assert.equal(user.email, 'grace@xn--bcher-kva.example');
    for (const email of ['grace@xn--bcher-kva.example', 'Grace@BÜCHER.example.', '"grace"@bücher.example']) {
      await assert.rejects(registerUser(db, cliActor, { email, name: 'Grace again', password }), (e: unknown) => e instanceof AppError && e.code === 'email_taken', email);
    }
    assert.equal((await authenticate(db, { email: '"GRACE"@xn--bcher-kva.example.', password })).id, user.id);
  });
});
