// `commonweal grants export`: a publisher's current grants (one programme's, if named) as a 360Giving 1.4.3
// package or as CSV, streamed to standard output or to a file.
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { CliCommand } from '../platform/module.ts';
import { AppError } from '../platform/errors.ts';
import { getOrganisation } from '../organisations/organisations.service.ts';
import { publisherPackage } from './grants.explore.api.ts';

export const grantsExportCommands: CliCommand[] = [
  {
    name: ['grants', 'export'],
    summary: 'Write a publisher’s current grants as a 360Giving 1.4.3 package (individuals anonymised to their local authority) or as CSV',
    usage: 'commonweal grants export --publisher ORG [--programme P] --format 360giving|csv [--output FILE]',
    options: { publisher: { type: 'string' }, programme: { type: 'string' }, format: { type: 'string' }, output: { type: 'string', short: 'o' } },
    async run(ctx, { values }) {
      if (!values.publisher) throw AppError.validation([{ field: 'publisher', message: 'Give --publisher, an organisation id or org-id identifier such as GB-CHC-1156077' }]);
      const format = (values.format as string | undefined) ?? '360giving';
      if (format !== '360giving' && format !== 'csv') throw AppError.validation([{ field: 'format', message: 'Give --format 360giving or --format csv' }]);
      const org = await getOrganisation(ctx.db, values.publisher as string);
      const stream = await publisherPackage(ctx, org, values.programme as string | undefined, format);
      let bytes = 0;
      const count = new Transform({ transform(chunk: Buffer | string, _enc, done) { bytes += Buffer.byteLength(chunk); done(null, chunk); } });
      if (values.output) {
        await pipeline(stream, count, createWriteStream(values.output as string));
        return { file: values.output, format, publisher: org.name, programme: values.programme ?? null, bytes };
      }
      await pipeline(stream, count, process.stdout, { end: false });
      return undefined;
    },
  },
];
