// Operators' commands for grant programmes: list them (with what is left of each budget), and open one from a
// JSON file (the API's body), as a verified funder's operator would; send the report reminders due now (every
// server process does it each hour; this is for an operator who wants it done at once, and is as safe).
import { readFile } from 'node:fs/promises';
import type { CliCommand } from '../platform/module.ts';
import { AppError } from '../platform/errors.ts';
import { cliActor } from '../platform/actor.ts';
import * as programmes from './grants.programmes.ts';
import { sendReportReminders } from './grants.reminders.ts';

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

export const programmesCommands: CliCommand[] = [
  {
    name: ['grants', 'programmes', 'list'],
    summary: 'Grant programmes run here: funder, dates, state, budget and what is left',
    usage: 'commonweal grants programmes list [--open] [--funder ORG] [--json]',
    options: { open: { type: 'boolean' }, funder: { type: 'string' } },
    async run(ctx, { values }) {
      const list = await programmes.listProgrammes(ctx.db, { open: !!values.open, funder: (values.funder as string | undefined) ?? null });
      return list.map((p) => ({ id: p.id, funder: p.funder.name, title: p.title, state: p.state, opensOn: p.opensOn, closesOn: p.closesOn, budgetPence: p.budgetPence, leftPence: p.leftPence }));
    },
  },
  {
    name: ['grants', 'programmes', 'open'],
    summary: 'Open a grant programme from a JSON file (the body of POST /api/v1/grants/programmes)',
    usage: 'commonweal grants programmes open --file programme.json [--json]',
    options: { file: { type: 'string' } },
    async run(ctx, { values }) {
      if (!values.file) throw AppError.validation([{ field: 'file', message: 'Give --file, a JSON file with the programme' }]);
      const text = await readFile(values.file as string, 'utf8').catch(() => { throw AppError.validation([{ field: 'file', message: `No file at ${values.file}` }]); });
      let input: programmes.ProgrammeInput;
      try { input = JSON.parse(text); } catch (e) { throw AppError.validation([{ field: 'file', message: `The file is not JSON: ${(e as Error).message}` }]); }
      return programmes.openProgramme(ctx, cliActor, input);
    },
  },
  {
    name: ['grants', 'reminders', 'send'],
    summary: 'Email the report reminders due now (14 days before a report is due, and once overdue); each goes once',
    usage: 'commonweal grants reminders send [--on YYYY-MM-DD] [--json]',
    options: { on: { type: 'string' } },
    async run(ctx, { values }) {
      const on = values.on as string | undefined;
      if (on !== undefined && (!ISO_DAY.test(on) || Number.isNaN(Date.parse(`${on}T00:00:00Z`)))) throw AppError.validation([{ field: 'on', message: 'Give --on as a date, like 2026-12-07' }]);
      return sendReportReminders(ctx, { on });
    },
  },
];
