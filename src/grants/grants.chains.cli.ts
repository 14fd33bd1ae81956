import type { CliCommand } from '../platform/module.ts';
import { AppError } from '../platform/errors.ts';
import * as chains from './grants.chains.ts';
import { funderFairness, grantsFairness, publisherFairness } from './grants.fairness.ts';

export const chainsCommands: CliCommand[] = [
  {
    name: ['grants', 'fairness'],
    summary: 'Who a publisher’s grants reach (or one programme’s, a pot’s onward grants’, a funder’s across publishers): IMD 2019 and SIMD 2020 deciles, concentration index, verdict, and what could not be placed',
    usage: 'commonweal grants fairness --publisher ORG [--programme P | --pot GRANT-ID] [--json]  |  commonweal grants fairness --funder ORG-ID [--json]',
    options: { publisher: { type: 'string' }, programme: { type: 'string' }, pot: { type: 'string' }, funder: { type: 'string' } },
    async run(ctx, { values }) {
      if (values.funder) {
        if (values.publisher || values.programme || values.pot) throw AppError.validation([{ field: 'funder', message: 'Give --funder alone: it covers every publisher' }]);
        return (await funderFairness(ctx.db, values.funder as string)).fairness;
      }
      if (!values.publisher) throw AppError.validation([{ field: 'publisher', message: 'Give --publisher, an organisation id, org-id identifier or slug (or --funder ORG-ID)' }]);
      if (values.pot) {
        if (values.programme) throw AppError.validation([{ field: 'pot', message: 'Give --programme or --pot, not both' }]);
        const pot = await chains.findPot(ctx.db, values.publisher as string, values.pot as string);
        return grantsFairness(ctx.db, { kind: 'pot', organisationId: pot.publisher.id, grantId: pot.row.grant_id });
      }
      return (await publisherFairness(ctx.db, values.publisher as string, (values.programme as string | undefined) ?? null)).fairness;
    },
  },
];
