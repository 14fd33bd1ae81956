import { it, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { eachEngine, openTestContext, testEngines, userWithToken } from './testing.ts';
import { buildApp } from './http.ts';
import { createApp } from '../app.ts';
import { startSession } from './auth/auth.service.ts';
import { cliActor } from './actor.ts';
import { acceptFileUploads, isUploadedFile, uploadDir } from './uploads.ts';
import type { CommonwealModule } from './module.ts';
import { seedOrganisations } from '../organisations/organisations.demo.ts';
import { addMember, getOrganisation } from '../organisations/organisations.service.ts';

const MB = 1024 * 1024;

/** A body of `total` bytes made only as the server asks for it; `pulled` counts what it asked for. */
function lazyBody(total: number) {
  const state = { pulled: 0 };
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const stream = new Readable({
    read() {
      if (state.pulled >= total) return void this.push(null);
      state.pulled += chunk.length;
      this.push(chunk);
    },
  });
  return { stream, state };
}

/** Waits (a little) for the files of responses already sent to be removed: that happens just after sending. */
async function settled(): Promise<string[]> {
  for (let i = 0; i < 50 && myUploads().length; i++) await new Promise((r) => setTimeout(r, 20));
  return myUploads();
}

/** This process's upload files still on disk. */
function myUploads(): string[] {
  return existsSync(uploadDir) ? readdirSync(uploadDir).filter((f) => f.startsWith(`upload-${process.pid}-`)) : [];
}

eachEngine('uploads: nobody who may not upload makes the app read a byte', (t) => {
  it('refuses an anonymous 50 MB upload, a stranger’s and a cookie without its CSRF token, without reading the body', async () => {
    const { app, ctx } = t();
    await seedOrganisations(ctx);
    const stranger = await userWithToken(ctx.db, 'stranger.upload@example.org');
    const session = await startSession(ctx.db, stranger.user.id);
    const newcastle = await getOrganisation(ctx.db, 'GB-LAE-NET');
    const staff = await userWithToken(ctx.db, 'staff.cookie.upload@example.org');
    await addMember(ctx.db, cliActor, newcastle.id, { email: 'staff.cookie.upload@example.org', role: 'finance' });
    const staffSession = await startSession(ctx.db, staff.user.id);
    const url = '/api/v1/spend/files?publisher=GB-LAE-NET';
    const cases = [
      { headers: {}, status: 401, code: 'unauthenticated' },
      { headers: stranger.auth, status: 403, code: 'forbidden' },
      { headers: { cookie: `cw_session=${session.token}` }, status: 403, code: 'forbidden' },
      { headers: { cookie: `cw_session=${session.token}`, 'x-csrf-token': session.csrfToken }, status: 403, code: 'forbidden' },
      { headers: { cookie: `cw_session=${staffSession.token}` }, status: 403, code: 'csrf_failed' },
      { headers: { cookie: `cw_session=${staffSession.token}`, 'x-csrf-token': 'forged' }, status: 403, code: 'csrf_failed' },
    ];
    for (const c of cases) {
      const { stream, state } = lazyBody(50 * MB);
      const res = await app.inject({ method: 'POST', url, payload: stream, headers: { 'content-type': 'text/csv', 'content-length': String(50 * MB), ...c.headers } });
      assert.equal(res.statusCode, c.status, res.body);
      assert.equal(res.json().code, c.code);
      assert.ok(state.pulled <= 128 * 1024, `read ${state.pulled} bytes of a body it refused`);
      assert.equal(res.headers.connection, 'close', 'the connection closes instead of reading the rest');
      stream.destroy();
    }
  });

  it('over a socket, answers 401 while the client is still sending, and the server never holds the body', async () => {
    const app = await createApp(t().ctx);
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as AddressInfo;
      const total = 50 * MB;
      const result = await new Promise<{ status: number; sent: number }>((resolve, reject) => {
        let sent = 0;
        const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/spend/files?publisher=GB-LAE-NET', headers: { 'content-type': 'text/csv', 'content-length': total } });
        const chunk = Buffer.alloc(256 * 1024, 'b');
        let answered = false;
        req.on('response', (res) => {
          answered = true;
          res.resume();
          resolve({ status: res.statusCode ?? 0, sent });
          req.destroy();
        });
        req.on('error', (error) => (answered ? undefined : reject(error)));
        const pump = () => {
          while (!answered && sent < total) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          if (sent >= total && !answered) req.end();
        };
        pump();
      });
      assert.equal(result.status, 401);
      assert.ok(result.sent < 20 * MB, `the answer came after ${Math.round(result.sent / MB)} MB of 50 were sent`);
    } finally {
      await app.close();
    }
  });

  it('streams an allowed upload to a temporary file that is gone once the response is', async () => {
    const { app, ctx } = t();
    await seedOrganisations(ctx);
    const newcastle = await getOrganisation(ctx.db, 'GB-LAE-NET');
    const staff = await userWithToken(ctx.db, 'finance.upload@example.org');
    await addMember(ctx.db, cliActor, newcastle.id, { email: 'finance.upload@example.org', role: 'finance' });
    const bytes = readFileSync(new URL('../../datasets/spend/newcastle-2017-02.csv', import.meta.url));
    const before = myUploads().length;
    const res = await app.inject({ method: 'POST', url: '/api/v1/spend/files?publisher=GB-LAE-NET', headers: { ...staff.auth, 'content-type': 'text/csv' }, payload: bytes });
    assert.equal(res.statusCode, 201, res.body);
    const draft = res.json();
    assert.equal(draft.check.rowsImported, 6118);
    assert.equal(draft.publisher.slug, newcastle.slug);
    assert.equal(draft.filename, null, 'the temporary file’s name is not taken for the file’s');
    assert.equal((await settled()).length, before, 'the temporary file is removed');
    const published = await app.inject({ method: 'POST', url: `/api/v1/spend/drafts/${draft.id}/publish`, headers: staff.auth, payload: { acknowledge: draft.check.warnings.map((w: { code: string }) => w.code) } });
    assert.equal(published.statusCode, 201, published.body);
    const listed = await app.inject({ method: 'GET', url: `/api/v1/spend/publishers/${newcastle.slug}/files` });
    assert.equal(listed.json().files[0].filename, null, 'the temporary file’s name is not taken for the file’s');
  });
});

describe('uploads: how many at once', () => {
  for (const engine of testEngines()) {
    it(`refuses a second upload from one client with 429 and one past the total with 503, and frees both slots and files [${engine}]`, async () => {
      const ctx = await openTestContext(engine, { COMMONWEAL_UPLOADS_PER_CLIENT: '1', COMMONWEAL_UPLOADS_TOTAL: '2' });
      const seen: { path: string; bytes: number }[] = [];
      const files: CommonwealModule = {
        name: 'files',
        routes(app) {
          app.register(async (scope) => {
            acceptFileUploads(scope);
            scope.post('/api/v1/files', { bodyLimit: 10 * MB, config: { access: 'public' } }, async (request) => {
              const body = request.body;
              assert.ok(isUploadedFile(body));
              assert.ok(existsSync(body.path), 'the route reads the file from disk');
              seen.push({ path: body.path, bytes: body.bytes });
              return { bytes: body.bytes, text: readFileSync(body.path, 'utf8').slice(0, 5) };
            });
          });
        },
      };
      const app = await buildApp(ctx, [files]);
      try {
        const slow = (address: string) => {
          const stream = new Readable({ read() {} });
          stream.push('hello');
          const response = app.inject({ method: 'POST', url: '/api/v1/files', remoteAddress: address, payload: stream, headers: { 'content-type': 'text/csv' } });
          return { stream, response };
        };
        const quick = (address: string) => app.inject({ method: 'POST', url: '/api/v1/files', remoteAddress: address, payload: 'quick', headers: { 'content-type': 'text/csv' } });
        const first = slow('198.51.100.1');
        await new Promise((r) => setTimeout(r, 50));
        const again = await quick('198.51.100.1');
        assert.equal(again.statusCode, 429, again.body);
        assert.equal(again.json().code, 'rate_limited');
        assert.ok(again.headers['retry-after']);
        const second = slow('198.51.100.2');
        await new Promise((r) => setTimeout(r, 50));
        const third = await quick('198.51.100.3');
        assert.equal(third.statusCode, 503, third.body);
        assert.equal(third.json().code, 'unavailable');
        assert.equal(myUploads().length, 2, 'two uploads are on disk while they arrive');
        first.stream.push(' world');
        first.stream.push(null);
        second.stream.push(null);
        assert.deepEqual((await first.response).json(), { bytes: 11, text: 'hello' });
        assert.equal((await second.response).statusCode, 200);
        const after = await quick('198.51.100.1');
        assert.equal(after.statusCode, 200, 'the slots are given back');
        assert.equal((await settled()).length, 0, 'every temporary file is removed');
        for (const s of seen) assert.equal(existsSync(s.path), false);
        const tooBig = await app.inject({ method: 'POST', url: '/api/v1/files', payload: Buffer.alloc(10 * MB + 1), headers: { 'content-type': 'text/csv' } });
        assert.equal(tooBig.statusCode, 413);
        assert.equal((await settled()).length, 0, 'a refused upload leaves nothing behind');
      } finally {
        await app.close();
        await ctx.handle.close();
      }
    });
  }
});
