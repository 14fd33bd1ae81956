import { before, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { describeCli, eachEngine } from '../platform/testing.ts';
import { cliActor } from '../platform/actor.ts';
import { createOrganisation } from '../organisations/organisations.service.ts';
import { verifiedOrganisation } from '../organisations/organisations.test-support.ts';
import { loadPlaces, GATESHEAD, NEWCASTLE } from '../voice/voice.test-support.ts';
import type { AppContext } from '../platform/module.ts';
import * as service from './grants.service.ts';
import * as explore from './grants.explore.ts';
import { exportGrants, majorUnits } from './grants.export.ts';
import { pkg } from './grants.test-support.ts';

const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as unknown as new (options: object) => { addSchema(s: object): unknown; compile(schema: object): ValidateFunction };
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (ajv: object) => void;
const schema = (name: string) => JSON.parse(readFileSync(new URL(`../../schemas/360giving-1.4.3/${name}`, import.meta.url), 'utf8'));
/** The 1.4.3 package schema (its grants by the grant schema), as a validator independent of the exporter's. */
function packageValidator(): ValidateFunction {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(schema('360-giving-schema.json'));
  return ajv.compile(schema('360-giving-package-schema.json'));
}
const validPackage = packageValidator();
function assertValid(pkg: unknown) {
  const ok = validPackage(pkg);
  assert.ok(ok, JSON.stringify(validPackage.errors?.slice(0, 5)));
}

const dataset = (name: string) => new URL(`../../datasets/grants/${name}`, import.meta.url).pathname;
const org = (id: string, name: string) => [{ id, name }];
const g = (id: string, extra: Record<string, unknown>) => ({
  id, description: 'A grant', currency: 'GBP', fundingOrganization: org('GB-CHC-9001', 'Tyne Trust'), ...extra,
});

/** Five grants from Tyne Trust, one from Wear Fund: words, currencies, places, kinds and years to tell apart. */
const tyneGrants = [
  g('360G-tyne-1', { title: 'Community garden in Byker', amountAwarded: 1500, awardDate: '2023-05-01', recipientOrganization: org('GB-CHC-1100100', 'Byker Gardeners'),
    grantProgramme: [{ title: 'Green Spaces' }], beneficiaryLocation: [{ name: 'Newcastle 001A', geoCode: 'E01008300', geoCodeType: 'LSOA' }], relatedActivity: ['360G-tyne-pot'] }),
  g('360G-tyne-2', { title: 'Football kit', description: 'Kit for a youth league', amountAwarded: 50000, awardDate: '2024-02-10', recipientOrganization: org('GB-COH-200', 'Kicks Limited'),
    grantProgramme: [{ title: 'Sport' }], beneficiaryLocation: [{ name: 'Gateshead 001A', geoCode: 'E01008160', geoCodeType: 'LSOA' }], regrantType: 'FRG010' }),
  g('360G-tyne-3', { title: 'Hardship grant', description: 'Help with bills', amountAwarded: 300, awardDate: '2024-06-01', recipientIndividual: { id: '360G-tyne-person-1', name: 'Jane Quillfeather' },
    beneficiaryLocation: [{ name: 'Newcastle 001B', geoCode: 'E01008301', geoCodeType: 'LSOA' }] }),
  g('360G-tyne-4', { title: 'Garden tools', amountAwarded: 2000, currency: 'USD', awardDate: '2023-09-01', recipientOrganization: org('360G-tyne-group-1', 'Walker Allotment Group'),
    beneficiaryLocation: [{ name: 'Newcastle upon Tyne', geoCode: NEWCASTLE, geoCodeType: 'LA' }], url: 'www.not-a-full-address.example' }),
];
const wearGrants = [
  g('360G-wear-1', { title: 'Gardens for wellbeing', amountAwarded: 700, awardDate: '2022-12-01', fundingOrganization: org('GB-CHC-9002', 'Wear Fund'),
    recipientOrganization: org('GB-CHC-1100100', 'Byker Gardeners'), beneficiaryLocation: [{ name: 'Gateshead', geoCode: GATESHEAD, geoCodeType: 'LA' }] }),
];

async function ids(ctx: AppContext, raw: Record<string, string>) {
  const read = await explore.readFilters(ctx.db, raw);
  assert.deepEqual(read.errors, []);
  const r = await explore.searchGrants(ctx.db, read.filters, 1, 100);
  return r.grants.map((x) => x.id).sort();
}

async function streamText(s: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of s) out += chunk;
  return out;
}

eachEngine('grants explorer: search, filters, pages and exports', (t) => {
  let tyne: Awaited<ReturnType<typeof verifiedOrganisation>>;
  before(async () => {
    const { ctx } = t();
    await loadPlaces(ctx);
    tyne = await verifiedOrganisation(ctx.db, 'Tyne Trust', 'registered-charity');
    const wear = await verifiedOrganisation(ctx.db, 'Wear Fund', 'registered-charity');
    await service.importGrantsFile(ctx, cliActor, { publisher: tyne.id, source: { bytes: pkg(tyneGrants) }, filename: 'tyne.json' });
    await service.importGrantsFile(ctx, cliActor, { publisher: wear.id, source: { bytes: pkg(wearGrants) }, filename: 'wear.json' });
    // A draft is not published: its grants are never searched or exported.
    await service.createGrantsDraft(ctx, cliActor, { publisher: tyne.id, source: { bytes: pkg([g('360G-tyne-draft', { title: 'Unpublished zebra garden', amountAwarded: 5, awardDate: '2024-01-01', recipientOrganization: org('GB-CHC-1100100', 'Byker Gardeners') })]) } });
    await createOrganisation(ctx.db, cliActor, { name: 'Byker Gardeners', legalForm: 'registered-charity', identifiers: ['GB-CHC-1100100'] });
  });

  it('finds words in titles, descriptions and recipients’ names, stemmed, across publishers; pounds totalled apart from dollars', async () => {
    const { ctx } = t();
    assert.deepEqual(await ids(ctx, { q: 'garden' }), ['360G-tyne-1', '360G-tyne-4', '360G-wear-1']);
    assert.deepEqual(await ids(ctx, { q: 'kicks' }), ['360G-tyne-2'], 'the recipient’s name');
    assert.deepEqual(await ids(ctx, { q: 'youth league' }), ['360G-tyne-2'], 'the description');
    assert.deepEqual(await ids(ctx, { q: 'garden -tools' }), ['360G-tyne-1', '360G-wear-1']);
    assert.deepEqual(await ids(ctx, { q: 'Quillfeather' }), [], 'an individual is never found by name');
    assert.deepEqual(await ids(ctx, { q: 'zebra' }), [], 'a draft is not published');
    const r = await explore.searchGrants(ctx.db, (await explore.readFilters(ctx.db, { q: 'garden' })).filters);
    assert.equal(r.totals.grants, 3);
    assert.equal(r.totals.gbpPence, 150000 + 70000);
    assert.deepEqual(r.totals.otherCurrencies, { USD: { grants: 1, total: 200000 } });
  });

  it('narrows by funder, recipient, programme, amount, dates and financial year', async () => {
    const { ctx } = t();
    assert.deepEqual(await ids(ctx, { funder: 'GB-CHC-9001' }), ['360G-tyne-1', '360G-tyne-2', '360G-tyne-3', '360G-tyne-4']);
    assert.deepEqual(await ids(ctx, { funder: 'wear fund' }), ['360G-wear-1'], 'a funder by name, any case');
    assert.deepEqual(await ids(ctx, { recipient: 'GB-CHC-1100100' }), ['360G-tyne-1', '360G-wear-1']);
    assert.deepEqual(await ids(ctx, { recipient: 'Byker Gardeners', funder: 'Tyne Trust' }), ['360G-tyne-1']);
    assert.deepEqual(await ids(ctx, { programme: 'sport' }), ['360G-tyne-2']);
    assert.deepEqual(await ids(ctx, { minAmount: '1,000' }), ['360G-tyne-1', '360G-tyne-2'], 'pounds only: the $2,000 grant is not compared');
    assert.deepEqual(await ids(ctx, { minAmount: '300', maxAmount: '£700.00' }), ['360G-tyne-3', '360G-wear-1']);
    assert.deepEqual(await ids(ctx, { financialYear: '2023' }), ['360G-tyne-1', '360G-tyne-2', '360G-tyne-4'], 'April 2023 to March 2024');
    assert.deepEqual(await ids(ctx, { financialYear: '2023-24', from: '1/6/2023' }), ['360G-tyne-2', '360G-tyne-4'], 'a year and a date narrow each other');
    assert.deepEqual(await ids(ctx, { from: '2024-01-01', to: '2024-12-31' }), ['360G-tyne-2', '360G-tyne-3']);
  });

  it('narrows by place chosen by name, regranting and kind of recipient; an individual is never found by small area', async () => {
    const { ctx } = t();
    assert.deepEqual(await ids(ctx, { place: 'Gateshead' }), ['360G-tyne-2', '360G-wear-1']);
    assert.deepEqual(await ids(ctx, { place: 'Newcastle upon Tyne' }), ['360G-tyne-1', '360G-tyne-3', '360G-tyne-4']);
    assert.deepEqual(await ids(ctx, { place: 'Newcastle upon Tyne 001A' }), ['360G-tyne-1']);
    assert.deepEqual(await ids(ctx, { area: 'E01008301' }), [], 'the individual there is placed to its local authority only');
    assert.deepEqual(await ids(ctx, { la: NEWCASTLE }), ['360G-tyne-1', '360G-tyne-3', '360G-tyne-4']);
    assert.deepEqual(await ids(ctx, { regrantType: 'any' }), ['360G-tyne-2']);
    assert.deepEqual(await ids(ctx, { regrantType: 'FRG010' }), ['360G-tyne-2']);
    assert.deepEqual(await ids(ctx, { recipientType: 'charity' }), ['360G-tyne-1', '360G-wear-1']);
    assert.deepEqual(await ids(ctx, { recipientType: 'company' }), ['360G-tyne-2']);
    assert.deepEqual(await ids(ctx, { recipientType: 'unregistered' }), ['360G-tyne-4']);
    assert.deepEqual(await ids(ctx, { recipientType: 'individual' }), ['360G-tyne-3']);
    const read = await explore.readFilters(ctx.db, { place: 'Atlantis' });
    assert.match(read.errors[0]!.message, /No place here is called “Atlantis”/);
    const r = await explore.searchGrants(ctx.db, (await explore.readFilters(ctx.db, { recipientType: 'individual' })).filters);
    assert.equal(r.grants[0]!.recipient.name, 'An individual');
    assert.equal(r.grants[0]!.location.smallArea, null);
  });

  it('the search page works without JavaScript and names each field it cannot read; the API takes the same filters', async () => {
    const { app } = t();
    const page = await app.inject({ method: 'GET', url: '/grants/search?q=garden&place=Newcastle+upon+Tyne' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /2 grants found/);
    assert.match(page.body, /£1,500\.00/);
    assert.match(page.body, /USD 2,000\.00/);
    assert.match(page.body, /format=360giving/);
    const bad = await app.inject({ method: 'GET', url: '/grants/search?minAmount=ten&from=31/02/2024&recipientType=wizard' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /<title>Error: /);
    assert.equal(bad.body.match(/class="govuk-error-summary"/g)?.length, 1);
    assert.match(bad.body, /href="#minAmount"/);
    assert.match(bad.body, /href="#from"/);
    assert.match(bad.body, /href="#recipientType"/);
    const api = await app.inject({ method: 'GET', url: '/api/v1/grants?q=garden&financialYear=2023' });
    assert.equal(api.statusCode, 200);
    const body = api.json();
    assert.deepEqual(body.grants.map((x: { id: string }) => x.id).sort(), ['360G-tyne-1', '360G-tyne-4']);
    assert.equal(body.totals.gbpPence, 150000);
    assert.deepEqual(body.totals.otherCurrencies, { USD: { grants: 1, total: 200000 } });
    const byPublisher = await app.inject({ method: 'GET', url: `/api/v1/grants?publisher=${tyne.slug}&q=garden` });
    assert.deepEqual(byPublisher.json().grants.map((x: { id: string }) => x.id).sort(), ['360G-tyne-1', '360G-tyne-4']);
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/grants?publisher=nobody-at-all' })).statusCode, 400);
    const apiBad = await app.inject({ method: 'GET', url: '/api/v1/grants?maxAmount=lots' });
    assert.equal(apiBad.statusCode, 400);
    assert.equal(apiBad.json().errors[0].field, 'maxAmount');
    const openapi = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    assert.ok(openapi.paths['/api/v1/grants']?.get, 'in the OpenAPI document');
    assert.ok(openapi.paths['/api/v1/grants/publishers/{publisher}/360giving.json']?.get);
  });

  it('funder, recipient and programme pages show totals by financial year as a chart with its table', async () => {
    const { app } = t();
    const funder = await app.inject({ method: 'GET', url: '/grants/funders/GB-CHC-9001' });
    assert.equal(funder.statusCode, 200);
    assert.match(funder.body, /<h1 class="govuk-heading-l">Tyne Trust<\/h1>/);
    assert.match(funder.body, /<svg[^>]*role="img"/);
    assert.match(funder.body, /2023 to 2024/);
    assert.match(funder.body, /2024 to 2025/);
    assert.match(funder.body, /href="\/grants\/funders\/GB-CHC-9001\/programmes\/Sport"/);
    assert.doesNotMatch(funder.body, /Quillfeather/);
    const recipient = await app.inject({ method: 'GET', url: '/grants/recipients/GB-CHC-1100100' });
    assert.equal(recipient.statusCode, 200);
    assert.match(recipient.body, /Byker Gardeners/);
    assert.match(recipient.body, /£2,200\.00/);
    const programme = await app.inject({ method: 'GET', url: '/grants/funders/GB-CHC-9001/programmes/Green%20Spaces' });
    assert.equal(programme.statusCode, 200);
    assert.match(programme.body, /Programme of Tyne Trust/);
    assert.equal((await app.inject({ method: 'GET', url: '/grants/funders/GB-CHC-404' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: '/grants/recipients/360G-tyne-person-1' })).statusCode, 404, 'an individual has no page');
  });

  it('exports a publisher’s grants as a valid 360Giving package: individuals anonymised to their local authority, relatedActivity kept', async () => {
    const { app } = t();
    const res = await app.inject({ method: 'GET', url: `/api/v1/grants/publishers/${tyne.slug}/360giving.json` });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assertValid(body);
    assert.equal(body.grants.length, 4);
    const byId = new Map(body.grants.map((x: { id: string }) => [x.id, x]));
    const person = byId.get('360G-tyne-3') as Record<string, unknown>;
    assert.deepEqual(person.recipientIndividual, { id: '360G-tyne-person-1', name: 'Individual Recipient' });
    assert.deepEqual(person.beneficiaryLocation, [{ geoCode: NEWCASTLE, geoCodeType: 'LA', name: 'Newcastle upon Tyne', countryCode: 'GB' }]);
    assert.doesNotMatch(res.body, /Quillfeather|E01008301/);
    assert.deepEqual((byId.get('360G-tyne-1') as Record<string, unknown>).relatedActivity, ['360G-tyne-pot']);
    assert.equal((byId.get('360G-tyne-1') as Record<string, unknown>).amountAwarded, 1500);
    assert.equal((byId.get('360G-tyne-4') as Record<string, unknown>).url, undefined, 'a web address the schema refuses is left out');
    const programme = await app.inject({ method: 'GET', url: `/api/v1/grants/publishers/${tyne.slug}/360giving.json?programme=Sport` });
    assert.deepEqual(programme.json().grants.map((x: { id: string }) => x.id), ['360G-tyne-2']);
    assert.equal((await app.inject({ method: 'GET', url: `/api/v1/grants/publishers/${tyne.slug}/360giving.json?programme=None+such` })).statusCode, 404);
  });

  it('every view downloads as CSV, JSON and 360Giving, respecting the filters', async () => {
    const { app } = t();
    const csv = await app.inject({ method: 'GET', url: '/grants/search/download?q=garden&format=csv' });
    assert.equal(csv.statusCode, 200);
    assert.match(csv.headers['content-type'] as string, /text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    assert.match(lines[0]!, /^Identifier,Title,Description,Currency,Amount Awarded,Award Date,Recipient Org:Identifier/);
    assert.equal(lines.length, 4);
    assert.ok(lines.some((l) => l.startsWith('360G-tyne-4,Garden tools,A grant,USD,2000,2023-09-01')));
    const json = await app.inject({ method: 'GET', url: '/grants/search/download?recipientType=individual&format=json' });
    assert.equal(json.json().grants.length, 1);
    assert.equal(json.json().grants[0].recipient.name, 'An individual');
    const giving = await app.inject({ method: 'GET', url: '/grants/search/download?place=Gateshead&format=360giving' });
    assertValid(giving.json());
    assert.deepEqual(giving.json().grants.map((x: { id: string }) => x.id).sort(), ['360G-tyne-2', '360G-wear-1']);
    const apiCsv = await app.inject({ method: 'GET', url: '/api/v1/grants?funder=Wear+Fund&format=csv' });
    assert.equal(apiCsv.body.trim().split('\r\n').length, 2);
    assert.equal((await app.inject({ method: 'GET', url: '/grants/search/download?q=nothingmatchesthis&format=360giving' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: '/grants/search/download?format=xml' })).statusCode, 400);
  });

  it('real files export as valid packages: Wolfson’s dd/mm/yyyy and bare web addresses, the community foundations’ individuals', async () => {
    const { ctx } = t();
    const wolfson = await verifiedOrganisation(ctx.db, 'Wolfson Foundation', 'registered-charity');
    const foundations = await verifiedOrganisation(ctx.db, 'Community Foundations', 'registered-charity');
    await service.importGrantsFile(ctx, cliActor, { publisher: wolfson.id, source: { path: dataset('wolfson-foundation.json') } });
    await service.importGrantsFile(ctx, cliActor, { publisher: foundations.id, source: { path: dataset('community-foundations-regrants.json') } });
    for (const [publisher, n] of [[wolfson.id, 379], [foundations.id, 154]] as const) {
      const text = await streamText(await exportGrants(ctx.db, { publisherId: publisher }, '360giving', { title: 't' }));
      const body = JSON.parse(text);
      assertValid(body);
      assert.equal(body.grants.length, n);
      for (const grant of body.grants.filter((x: Record<string, unknown>) => x.recipientIndividual)) {
        assert.equal(grant.recipientIndividual.name, 'Individual Recipient');
        for (const l of grant.beneficiaryLocation ?? []) assert.equal(l.geoCodeType, 'LA');
        assert.equal(grant.additional_data, undefined);
      }
    }
    const regrants = await explore.searchGrants(ctx.db, { publisherId: foundations.id, regrantType: 'any' });
    assert.equal(regrants.totals.grants, 52);
  });

  it('an organisation’s page shows the grants it received, with their source and dates', async () => {
    const { app, ctx } = t();
    const page = await app.inject({ method: 'GET', url: '/organisations/byker-gardeners' });
    assert.equal(page.statusCode, 200, page.body.slice(0, 300));
    assert.match(page.body, /Grants received/);
    assert.match(page.body, /2 grants, awarded 2022-12-01 to 2023-05-01/);
    assert.match(page.body, /£2,200\.00/);
    assert.match(page.body, /from Tyne Trust, awarded 2023-05-01/);
    assert.ok(ctx);
  });

  it('writes amounts in major units exactly', () => {
    assert.equal(majorUnits(150050, 'GBP'), 1500.5);
    assert.equal(majorUnits(1, 'GBP'), 0.01);
    assert.equal(majorUnits(500, 'JPY'), 500);
    assert.equal(majorUnits(-25, 'GBP'), -0.25);
  });
});

describeCli('grants export on the command line', (ws) => {
  it('writes a publisher’s grants as a valid 360Giving package or as CSV, to a file or standard output, one programme if asked', async () => {
    const { run, dir } = ws();
    assert.equal((await run('org', 'create', '--name', 'Wolfson Foundation', '--identifier', 'GB-CHC-1156077', '--legal-form', 'registered-charity', '--verified')).code, 0);
    assert.equal((await run('grants', 'import', dataset('wolfson-foundation.json'), '--publisher', 'GB-CHC-1156077', '--yes')).code, 0);
    const out = `${dir}/wolfson-360.json`;
    const written = await run('grants', 'export', '--publisher', 'GB-CHC-1156077', '--format', '360giving', '--output', out);
    assert.equal(written.code, 0, written.stderr);
    assert.ok(written.json.bytes > 1000);
    const body = JSON.parse(readFileSync(out, 'utf8'));
    assertValid(body);
    assert.equal(body.grants.length, 379);
    assert.equal(body.publisher.identifier, 'GB-CHC-1156077');
    const csv = await run('grants', 'export', '--publisher', 'GB-CHC-1156077', '--format', 'csv');
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(csv.stdout.trim().split('\r\n').length, 380);
    const programme = body.grants.find((x: { grantProgramme?: { title: string }[] }) => x.grantProgramme?.[0]?.title)?.grantProgramme[0].title as string | undefined;
    if (programme) {
      const one = await run('grants', 'export', '--publisher', 'GB-CHC-1156077', '--programme', programme, '--format', '360giving');
      assert.equal(one.code, 0, one.stderr);
      assert.ok(one.json.grants.every((x: { grantProgramme: { title: string }[] }) => x.grantProgramme[0]!.title === programme));
    }
    const wrong = await run('grants', 'export', '--publisher', 'GB-CHC-1156077', '--format', 'xml');
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /--format 360giving or --format csv/);
  });
});
