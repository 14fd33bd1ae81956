// The files of `file` questions, on both engines: kinds taken and refused by their bytes, too big, a required
// file missing at submission, the same bytes twice, replacing and removing, and who may download (the
// applicant side, the funder, the panel chair, an assessor without a conflict; nobody else) with safe headers.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { zipSync, strToU8 } from 'fflate';
import { eachEngine, signedInAgent as signedIn } from '../platform/testing.ts';
import { anonymous } from '../platform/actor.ts';
import * as applications from './grants.applications.ts';
import * as assessment from './grants.assessment.ts';
import * as files from './grants.application-files.ts';
import { contentDisposition } from './grants.programmes.pages.ts';
import { programmeWorld, type ProgrammeWorld } from './grants.programmes.test-support.ts';
import type { AppContext } from '../platform/module.ts';

const code = (e: unknown) => (e as { code?: string }).code;
const messageOf = (e: unknown) => [(e as Error).message, ...((e as { fieldErrors?: { message: string }[] }).fieldErrors ?? []).map((f) => f.message)].join(' | ');

export const samples = {
  pdf: Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'),
  png: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.from('IHDR'), Buffer.alloc(17)]),
  jpeg: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(60, 1)]),
  docx: Buffer.from(zipSync({ '[Content_Types].xml': strToU8('<Types/>'), 'word/document.xml': strToU8('<w:document/>') })),
  xlsx: Buffer.from(zipSync({ '[Content_Types].xml': strToU8('<Types/>'), 'xl/workbook.xml': strToU8('<workbook/>') })),
  odt: Buffer.from(zipSync({ mimetype: [strToU8('application/vnd.oasis.opendocument.text'), { level: 0 }], 'content.xml': strToU8('<office:document-content/>') })),
  docm: Buffer.from(zipSync({ '[Content_Types].xml': strToU8('<Types/>'), 'word/document.xml': strToU8('<w:document/>'), 'word/vbaProject.bin': strToU8('macro') })),
  zip: Buffer.from(zipSync({ 'notes.txt': strToU8('hello') })),
  csv: Buffer.from('item,cost\nHall hire,1000\n'),
  exe: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0)]),
  doc: Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(100)]),
};

async function draftWithFiles(ctx: AppContext, w: ProgrammeWorld) {
  const { id } = await applications.startApplication(ctx, w.applicant.actor, w.programme.id, { organisation: w.charity.id });
  const [what, isNew, budget, accounts, photo] = w.programme.questions;
  await applications.saveAnswers(ctx, w.applicant.actor, id, {
    title: 'Friday lunches', amountPence: 300_000, postcode: 'NE1 1AA',
    answers: { [what!.key]: 'A hot lunch every Friday.', [isNew!.key]: 'Yes', [budget!.key]: [{ item: 'Food', pence: 200_000 }] },
  });
  return { id, accounts: accounts!, photo: photo! };
}

eachEngine('grants application files', (t) => {
  it('tells every kind taken from its bytes, whatever it is called, and refuses the rest saying what they are', () => {
    const kinds: [keyof typeof samples, string | RegExp][] = [
      ['pdf', 'application/pdf'], ['png', 'image/png'], ['jpeg', 'image/jpeg'], ['docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
      ['xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'], ['odt', 'application/vnd.oasis.opendocument.text'], ['csv', 'text/csv'],
      ['docm', /macros/], ['zip', /ZIP archive, not a Word/], ['exe', /program/], ['doc', /old Word or Excel/],
    ];
    for (const [kind, expected] of kinds) {
      const found = files.identifyFile(samples[kind], kind === 'csv' ? 'costs.csv' : 'upload.pdf');
      if (typeof expected === 'string') assert.equal(typeof found === 'string' ? found : found.contentType, expected, kind);
      else assert.match(String(found), expected, kind);
    }
    assert.equal((files.identifyFile(samples.csv, 'notes.txt') as files.FileType).contentType, 'text/plain');
    assert.equal(files.identifyFile(Buffer.alloc(0), 'x.pdf'), 'The file is empty.');
    const pdf = files.identifyFile(samples.pdf, null) as files.FileType;
    assert.equal(files.safeFilename('C:\\Users\\ann\\accounts 2025.pdf', pdf), 'accounts 2025.pdf');
    assert.equal(files.safeFilename('../../evil.html', pdf), 'evil.html.pdf', 'the extension is the type’s');
    assert.equal(files.safeFilename('"a"\r\nb.pdf', pdf), 'ab.pdf');
    assert.equal(files.safeFilename(null, pdf), 'file.pdf');
    assert.equal(contentDisposition('Café "accounts".pdf'), 'attachment; filename="Cafe _accounts_.pdf"; filename*=UTF-8\'\'Caf%C3%A9%20%22accounts%22.pdf');
  });

  it('keeps a file for its question, replaces it, writes the same bytes once, removes it; a required file is needed to submit', async () => {
    const { ctx } = t();
    const w = await programmeWorld(ctx, { fileQuestions: true });
    const { id, accounts, photo } = await draftWithFiles(ctx, w);
    // Required missing: refused, naming the question; nothing changes.
    await assert.rejects(applications.submitApplication(ctx, w.applicant.actor, id), (e) => code(e) === 'validation_failed' && /Upload a file for “Your latest accounts”/.test(messageOf(e)) && !/photo/.test(messageOf(e)));
    assert.equal((await applications.getApplication(ctx.db, w.applicant.actor, id)).status, 'draft');
    // Wrong type and too big: refused naming the question, nothing kept.
    await assert.rejects(files.uploadApplicationFile(ctx, w.applicant.actor, id, accounts.key, { bytes: samples.exe, filename: 'accounts.pdf' }),
      (e) => code(e) === 'validation_failed' && /^Your latest accounts: it is a program/.test(messageOf(e).split(' | ')[1]!));
    await assert.rejects(files.uploadApplicationFile(ctx, w.applicant.actor, id, accounts.key, { bytes: Buffer.alloc(files.APPLICATION_FILE_MAX_BYTES + 1, 0x41), filename: 'big.txt' }),
      (e) => code(e) === 'validation_failed' && /Your latest accounts: the file is 10 MB; it must be 10 MB or less/.test(messageOf(e)));
    await assert.rejects(files.uploadApplicationFile(ctx, w.applicant.actor, id, accounts.key, { bytes: Buffer.alloc(0), filename: '' }), (e) => /choose a file/.test(messageOf(e)));
    await assert.rejects(files.uploadApplicationFile(ctx, w.applicant.actor, id, 'no-such-question', { bytes: samples.pdf, filename: 'a.pdf' }), (e) => code(e) === 'not_found');
    assert.equal(await ctx.db.selectFrom('grants_application_files').select('question_key').where('application_id', '=', id).executeTakeFirst(), undefined);
    // An outsider cannot upload to it.
    await assert.rejects(files.uploadApplicationFile(ctx, w.outsider.actor, id, accounts.key, { bytes: samples.pdf, filename: 'a.pdf' }), (e) => code(e) === 'not_found');

    const first = await files.uploadApplicationFile(ctx, w.applicant.actor, id, accounts.key, { bytes: samples.pdf, filename: 'accounts.pdf' });
    assert.equal(first.unchanged, false);
    const audits = async () => (await ctx.db.selectFrom('audit_log').select('action').where('entity_id', '=', id).where('action', 'like', 'grants.application.file-%').execute()).map((r) => r.action);
    // The same bytes twice: nothing written again.
    const again = await files.uploadApplicationFile(ctx, w.applicant.actor, id, accounts.key, { bytes: samples.pdf, filename: 'accounts.pdf' });
    assert.equal(again.unchanged, true);
    assert.deepEqual(await audits(), ['grants.application.file-uploaded']);
    const rows = await ctx.db.selectFrom('grants_application_files').select(['question_key', 'size_bytes', 'content_type']).where('application_id', '=', id).execute();
    assert.deepEqual(rows, [{ question_key: accounts.key, size_bytes: samples.pdf.length, content_type: 'application/pdf' }]);
    // Replaced by a Word document: one file, the new one.
    await files.uploadApplicationFile(ctx, w.applicant.actor, id, accounts.key, { bytes: samples.docx, filename: 'accounts.docx' });
    const view = await applications.getApplication(ctx.db, w.applicant.actor, id);
    assert.equal(view.files[accounts.key]?.filename, 'accounts.docx');
    assert.equal(view.files[accounts.key]?.sizeBytes, samples.docx.length);
    assert.deepEqual(view.missing, []);
    // The optional photo, uploaded and removed; removing it twice is 404.
    await files.uploadApplicationFile(ctx, w.applicant.actor, id, photo.key, { bytes: samples.png, filename: 'lunch.png' });
    await files.removeApplicationFile(ctx, w.applicant.actor, id, photo.key);
    await assert.rejects(files.removeApplicationFile(ctx, w.applicant.actor, id, photo.key), (e) => code(e) === 'not_found');
    await assert.rejects(files.downloadApplicationFile(ctx.db, w.applicant.actor, id, photo.key), (e) => code(e) === 'not_found');
    assert.deepEqual(await audits(), ['grants.application.file-uploaded', 'grants.application.file-replaced', 'grants.application.file-uploaded', 'grants.application.file-removed']);
    // Save and return keeps it; submitted, it cannot change.
    await applications.saveAnswers(ctx, w.applicant.actor, id, { title: 'Friday lunches (2)' });
    const got = await files.downloadApplicationFile(ctx.db, w.applicant.actor, id, accounts.key);
    assert.ok(got.bytes.equals(samples.docx));
    await applications.submitApplication(ctx, w.applicant.actor, id);
    await assert.rejects(files.uploadApplicationFile(ctx, w.applicant.actor, id, accounts.key, { bytes: samples.pdf, filename: 'a.pdf' }), (e) => code(e) === 'conflict');
    await assert.rejects(files.removeApplicationFile(ctx, w.applicant.actor, id, accounts.key), (e) => code(e) === 'conflict');
  });

  it('downloads only for the applicant side, the funder, the panel chair and an assessor without a conflict, as an attachment', async () => {
    const { app, ctx } = t();
    const w = await programmeWorld(ctx, { fileQuestions: true });
    const { id, accounts } = await draftWithFiles(ctx, w);
    const url = `/grants/applications/${id}`;
    const applicant = await signedIn(app, w.applicant.email, '10.9.7.1');
    // The page: no upload taken yet, a button to upload; the upload page names what it takes.
    const page = await applicant.get(url);
    assert.match(page.body, /No file uploaded yet/);
    const [what, isNew, budget] = w.programme.questions;
    const moved = await applicant.post(url, {
      title: 'Friday lunches', amount: '3000', postcode: 'NE1 1AA', [`a_${what!.key}`]: 'A hot lunch every Friday.', [`a_${isNew!.key}`]: 'Yes',
      [`a_${budget!.key}_item_0`]: 'Food', [`a_${budget!.key}_amount_0`]: '2000', action: `file:${accounts.key}`,
    });
    assert.equal(moved.statusCode, 303);
    assert.equal(moved.headers.location, `${url}/files/${accounts.key}`);
    const form = await applicant.get(`${url}/files/${accounts.key}`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /enctype="multipart\/form-data"/);
    assert.match(form.body, /up to 10 MB/);
    // A wrong type over HTTP: 400 naming the question, on its page.
    const wrong = await applicant.postMultipart(`${url}/files/${accounts.key}`, {}, { filename: 'accounts.pdf', content: samples.exe });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /Your latest accounts: it is a program/);
    // Too big for the form: 413, naming the question, with nothing kept.
    const big = await applicant.postMultipart(`${url}/files/${accounts.key}`, {}, { filename: 'big.pdf', content: Buffer.concat([samples.pdf, Buffer.alloc(files.APPLICATION_FILE_MAX_BYTES, 0x20)]) });
    assert.equal(big.statusCode, 413);
    assert.match(big.body, /Your latest accounts: the file is larger than 10 MB/);
    assert.equal(await ctx.db.selectFrom('grants_application_files').select('question_key').where('application_id', '=', id).executeTakeFirst(), undefined);
    const sent = await applicant.postMultipart(`${url}/files/${accounts.key}`, {}, { filename: 'C:\\fakepath\\Accounts 2025.pdf', content: samples.pdf });
    assert.equal(sent.statusCode, 303, sent.body.slice(0, 400));
    assert.match(sent.headers.location as string, /notice=file-uploaded/);
    const back = await applicant.get(url);
    assert.match(back.body, /Accounts 2025\.pdf/);
    const check = await applicant.get(`${url}/check`);
    assert.match(check.body, /Accounts 2025\.pdf \(\d+ bytes\)/);
    assert.ok(check.body.includes(`${url}/files/${accounts.key}?from=check`), 'a change link to the file');

    const download = `${url}/files/${accounts.key}/download`;
    const own = await applicant.get(download);
    assert.equal(own.statusCode, 200);
    assert.equal(own.headers['content-type'], 'application/pdf');
    assert.equal(own.headers['content-disposition'], 'attachment; filename="Accounts 2025.pdf"; filename*=UTF-8\'\'Accounts%202025.pdf');
    assert.equal(own.headers['x-content-type-options'], 'nosniff');
    assert.ok(own.rawPayload.equals(samples.pdf));
    // A draft: the funder does not see it yet; an outsider and an anonymous visitor never do.
    const staff = await signedIn(app, w.staff.email, '10.9.7.2');
    assert.equal((await staff.get(download)).statusCode, 404);
    const outsider = await signedIn(app, w.outsider.email, '10.9.7.3');
    assert.equal((await outsider.get(download)).statusCode, 404);
    assert.equal((await outsider.get(`${url}/files/${accounts.key}`)).statusCode, 404);
    assert.equal((await outsider.get(`/grants/programmes/${w.programme.id}/apply`)).statusCode, 200, 'a page with the outsider’s own form token');
    assert.equal((await outsider.postMultipart(`${url}/files/${accounts.key}`, {}, { filename: 'x.pdf', content: samples.pdf })).statusCode, 404);
    assert.ok([303, 401].includes((await app.inject({ method: 'GET', url: download })).statusCode));
    await assert.rejects(files.downloadApplicationFile(ctx.db, anonymous, id, accounts.key), (e) => code(e) === 'not_found');

    // Submitted and screened: the funder, the chair and an assessor download it; a conflicted assessor does not.
    assert.equal((await applicant.post(`${url}/submit`, {})).statusCode, 200);
    await assessment.screenApplication(ctx, w.staff.actor, id, { eligible: 'yes' });
    await assessment.declareConflict(ctx, w.assessorA.actor, id, 'I chair its committee');
    assert.equal((await staff.get(download)).statusCode, 200);
    const chair = await signedIn(app, w.chair.email, '10.9.7.4');
    assert.equal((await chair.get(download)).statusCode, 200);
    const assessor = await signedIn(app, w.assessorB.email, '10.9.7.5');
    const assessPage = await assessor.get(`${url}/assess`);
    assert.ok(assessPage.body.includes(download), 'the assessor sees the link');
    const theirs = await assessor.get(download);
    assert.equal(theirs.statusCode, 200);
    assert.ok(theirs.rawPayload.equals(samples.pdf));
    const conflicted = await signedIn(app, w.assessorA.email, '10.9.7.6');
    assert.equal((await conflicted.get(download)).statusCode, 404);
    assert.ok(!(await conflicted.get(`${url}/assess`)).body.includes(download), 'no link for a conflicted assessor');
    assert.equal((await outsider.get(download)).statusCode, 404);
    // Submitted: the applicant can no longer change it.
    assert.equal((await applicant.postMultipart(`${url}/files/${accounts.key}`, {}, { filename: 'x.pdf', content: samples.pdf })).statusCode, 409);
  });
});
