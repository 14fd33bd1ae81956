import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { serveCluster } from './platform/workers.ts';
import { loadConfig, type Config } from './platform/config.ts';
import { isAppError } from './platform/errors.ts';
import type { AppContext, CliCommand } from './platform/module.ts';
import { createContext, createLogger, seedDemo, serve } from './app.ts';
import { optimisePGliteCode } from './platform/db.ts';
import { allModules } from './modules.ts';

const globalOptions = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const builtins: CliCommand[] = [
  {
    name: ['serve'],
    summary: 'Serve Commonweal over HTTP (migrates first)',
    usage: 'commonweal serve [--port 3000] [--host 0.0.0.0] [--seed-demo] [--workers N] [--data-dir DIR]',
    options: { port: { type: 'string' }, host: { type: 'string' }, 'seed-demo': { type: 'boolean' }, workers: { type: 'string' } },
    needsDatabase: false,
    async run() {
      throw new Error('handled in main');
    },
  },
  {
    name: ['migrate'],
    summary: 'Bring the database schema up to date',
    usage: 'commonweal migrate [--data-dir DIR]',
    options: {},
    async run(ctx) {
      return { engine: ctx.handle.engine, location: ctx.handle.location, migrated: true };
    },
  },
  {
    name: ['seed-demo'],
    summary: 'Load the real demo data (idempotent)',
    usage: 'commonweal seed-demo [--data-dir DIR]',
    options: {},
    async run(ctx) {
      await seedDemo(ctx);
      return { seeded: true };
    },
  },
];

function commandList(ctxless: CliCommand[]): string {
  const width = Math.max(...ctxless.map((c) => c.name.join(' ').length));
  return ctxless.map((c) => `  ${c.name.join(' ').padEnd(width)}  ${c.summary}`).join('\n');
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function print(result: unknown, json: boolean): void {
  // A command that wrote its own output (e.g. an export streamed to stdout) returns nothing to print.
  if (result === undefined) return;
  if (json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  if (result && typeof result === 'object') {
    for (const [k, v] of Object.entries(result)) process.stdout.write(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}\n`);
  } else if (result !== undefined) process.stdout.write(`${String(result)}\n`);
}

/** Runs the `commonweal` command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  // The modules' commands are listed without a database; a throwaway context supplies only their shapes.
  const commands = [...builtins, ...allModules({ lookups: {} } as unknown as AppContext).flatMap((m) => m.commands ?? [])];
  const words = argv.filter((a) => !a.startsWith('-'));
  const command = commands
    .filter((c) => c.name.every((w, i) => words[i] === w))
    .sort((a, b) => b.name.length - a.name.length)[0];
  if (!command) {
    const asked = argv.length === 0 || argv.includes('--help') || argv.includes('-h');
    (asked ? process.stdout : process.stderr).write(
      `${asked ? '' : `Unknown command: ${words.join(' ') || argv.join(' ')}\n\n`}Usage: commonweal COMMAND [options]\n\nCommands:\n${commandList(commands)}\n\nEvery command takes --data-dir DIR (default ./data, or COMMONWEAL_DATA_DIR), honours DATABASE_URL, and prints one JSON object with --json.\n`,
    );
    return asked ? 0 : 2;
  }

  let parsed;
  try {
    // `--min-balance -120`: a negative number is a value, not an option (parseArgs would refuse it).
    const options = { ...globalOptions, ...command.options } as Record<string, { type: string }>;
    const args = argv.flatMap((a, i) => {
      const previous = argv[i - 1];
      if (/^-\d/.test(a) && previous?.startsWith('--') && !previous.includes('=') && options[previous.slice(2)]?.type === 'string') return [];
      if (a.startsWith('--') && !a.includes('=') && options[a.slice(2)]?.type === 'string' && /^-\d/.test(argv[i + 1] ?? '')) return [`${a}=${argv[i + 1]}`];
      return [a];
    });
    parsed = parseArgs({ args, options: { ...globalOptions, ...command.options }, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\nUsage: ${command.usage}\n`);
    return 2;
  }
  const values = parsed.values as Record<string, unknown>;
  if (values.help) {
    process.stdout.write(`${command.summary}\n\nUsage: ${command.usage}\n`);
    return 0;
  }
  const json = !!values.json;
  const positionals = parsed.positionals.slice(command.name.length);
  let config: Config;
  try {
    config = loadConfig(process.env, {
      dataDir: values['data-dir'] as string | undefined,
      port: values.port !== undefined ? Number(values.port) : undefined,
      host: values.host as string | undefined,
    });
    if (values.port !== undefined && !Number.isInteger(Number(values.port))) throw new Error(`--port must be a number, got "${values.port}"`);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  // Commands other than serve log only warnings, so their output stays readable.
  const log = createLogger({ logLevel: command.name[0] === 'serve' ? config.logLevel : process.env.LOG_LEVEL ?? 'warn' });

  let ctx: AppContext | null = null;
  // `serve --workers N`: this process migrates (and seeds), then N worker processes serve on the one port.
  if (command.name[0] === 'serve' && values.workers !== undefined && cluster.isPrimary) {
    const workers = Number(values.workers);
    if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
      process.stderr.write(`--workers must be a whole number from 1 to 64, got "${values.workers}"\n`);
      return 2;
    }
    if (workers > 1 && !config.databaseUrl) {
      process.stderr.write('--workers needs a PostgreSQL server (DATABASE_URL): PGlite is one database in one process\n');
      return 2;
    }
    try {
      const prepared = await createContext(config, log);
      if (values['seed-demo']) await seedDemo(prepared);
      await prepared.handle.close();
    } catch (error) {
      process.stderr.write(`Error: ${(error as Error).message}\n`);
      return 1;
    }
    return serveCluster(workers, config, log);
  }
  try {
    // A server on PGlite runs for long: its WebAssembly is worth compiling for speed and memory from the start.
    if (command.name[0] === 'serve' && !config.databaseUrl && !config.pgliteBaselineCompiler) optimisePGliteCode();
    // A command that opens its own connection (backup, restore) is given the configuration only.
    if (command.needsDatabase === false && command.name[0] !== 'serve') {
      const result = await command.run({ config, log, lookups: {} } as unknown as AppContext, { values, positionals, stdin: readStdin });
      print(result, json);
      return 0;
    }
    ctx = await createContext(config, log);
    if (command.name[0] === 'serve') {
      if (values['seed-demo'] && !cluster.isWorker) await seedDemo(ctx);
      const { stop } = await serve(ctx);
      const where = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
      log.info({ engine: ctx.handle.engine, data: ctx.handle.location, ...(cluster.isWorker ? { worker: cluster.worker?.id } : {}) }, `Commonweal is serving at ${where}`);
      // The logs are JSON for machines; a person at a terminal also gets one plain line.
      if (process.stderr.isTTY && !cluster.isWorker) process.stderr.write(`\nCommonweal is serving at ${where} (${ctx.handle.engine === 'pglite' ? `PGlite in ${ctx.handle.location}` : ctx.handle.location}). Ctrl-C stops it.\n\n`);
      await new Promise<void>((resolve) => {
        const shutdown = () => resolve();
        process.once('SIGINT', shutdown);
        process.once('SIGTERM', shutdown);
      });
      await stop();
      ctx = null;
      // A worker's channel to the primary would keep it alive after everything else has closed: let it go, so
      // the worker exits as soon as its requests are answered rather than when the grace period kills it.
      if (cluster.isWorker) cluster.worker?.disconnect();
      return 0;
    }
    const result = await command.run(ctx, { values, positionals, stdin: readStdin });
    print(result, json);
    return 0;
  } catch (error) {
    if (isAppError(error)) {
      if (json) process.stderr.write(`${JSON.stringify({ code: error.code, detail: error.message, errors: error.fieldErrors })}\n`);
      else process.stderr.write(`Error: ${error.message}\n${error.fieldErrors.map((e) => `  --${e.field}: ${e.message}\n`).join('')}`);
      return 1;
    }
    process.stderr.write(`Error: ${(error as Error).message ?? String(error)}\n`);
    if (process.env.DEBUG) console.error(error);
    return 1;
  } finally {
    await ctx?.handle.close();
  }
}
