import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { AppContext } from '../platform/module.ts';
import { systemActor } from '../platform/actor.ts';
import * as service from './places.service.ts';
import { importPostcodes, importWards } from './places.lookups.ts';

/** The shipped published files (datasets/deprivation/, see its README for sources and licence). */
export function shippedDataset(name: string): string {
  return fileURLToPath(new URL(`../../datasets/deprivation/${name}`, import.meta.url));
}

/** The shipped lookups for the place finder (datasets/places/, see its README). */
export function shippedLookup(name: string): string {
  return fileURLToPath(new URL(`../../datasets/places/${name}`, import.meta.url));
}

export const SHIPPED_LOOKUPS = {
  postcodes: 'nspl-2021-11-sr-td-fk-dg.csv.gz',
  wards: 'lsoa11-ward19-lookup.csv.gz',
} as const;

export const SHIPPED = {
  iod2019Domains: 'iod2019-file2-domain-ranks.csv.gz',
  iod2019Population: 'iod2019-file6-population.csv.gz',
  simd2020Ranks: 'simd2020v2-ranks.csv',
} as const;

/**
 * Loads England (IoD2019), Scotland (SIMD2020), the ward lookup and the postcode extract from the shipped files
 * unless each is already loaded (from these or any other files: the demo never replaces data someone imported).
 * Returns what it loaded.
 */
export async function seedPlaces(ctx: AppContext): Promise<string[]> {
  const loaded = new Set((await service.loadedDatasets(ctx.db)).map((d) => d.dataset));
  const done: string[] = [];
  if (!loaded.has('iod2019')) {
    await service.importIod2019(ctx.db, systemActor, {
      domains: await readFile(shippedDataset(SHIPPED.iod2019Domains)),
      population: await readFile(shippedDataset(SHIPPED.iod2019Population)),
    });
    done.push('iod2019');
  }
  if (!loaded.has('simd2020')) {
    await service.importSimd2020(ctx.db, systemActor, { ranks: await readFile(shippedDataset(SHIPPED.simd2020Ranks)) });
    done.push('simd2020');
  }
  if (!loaded.has('wards')) {
    await importWards(ctx, systemActor, { path: shippedLookup(SHIPPED_LOOKUPS.wards) });
    done.push('wards');
  }
  if (!loaded.has('postcodes')) {
    await importPostcodes(ctx, systemActor, { path: shippedLookup(SHIPPED_LOOKUPS.postcodes) });
    done.push('postcodes');
  }
  return done;
}
