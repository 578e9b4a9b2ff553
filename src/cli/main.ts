/**
 * The `quiver` command line. Each command opens the embedded store named by --path (default ./.quiver),
 * does one thing, and closes it. `--json` prints machine-readable output; errors print their code and a
 * hint, and exit with a code per error class (see exit-codes.ts).
 */

import { Command } from 'commander';
import { type ErrorCode, QuiverError } from '../errors.js';
import { Quiver } from '../store/index.js';
import { addAskCommand } from './ask-command.js';
import { addClusterCommands } from './cluster-commands.js';
import { addEvalCommand } from './eval-command.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { addIngestCommand } from './ingest-command.js';
import { addModelsCommand } from './models-command.js';
import { addSearchCommand } from './search-command.js';
import { addServeCommand } from './serve-command.js';

interface GlobalOptions {
  path: string;
  json?: boolean;
}

async function withStore<T>(opts: GlobalOptions, fn: (db: Quiver) => Promise<T>): Promise<T> {
  const db = await Quiver.open({ path: opts.path });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

function print(opts: GlobalOptions, value: unknown, human: () => string): void {
  console.log(opts.json ? JSON.stringify(value, null, 2) : human());
}

export function buildProgram(): Command {
  const program = new Command('quiver')
    .description('Quiver: a RAG framework with an embedded vector database')
    .option('--path <folder>', 'embedded store folder', '.quiver')
    .option('--json', 'print JSON')
    .option('--cluster', 'ingest, search and ask against the cluster the QUIVER_* environment variables name')
    .showHelpAfterError();

  program
    .command('collections')
    .description('list collections with their row counts')
    .action(async () => {
      const opts = program.opts<GlobalOptions>();
      const rows = await withStore(opts, async (db) => {
        const out = [];
        for (const name of await db.listCollections())
          out.push({ name, rows: await (await db.collection(name)).count() });
        return out;
      });
      print(opts, rows, () =>
        rows.length ? rows.map((r) => `${r.name}\t${r.rows} rows`).join('\n') : 'no collections',
      );
    });

  program
    .command('stats')
    .argument('<collection>')
    .description('segments, rows, deletes and WAL position of a collection')
    .action(async (name: string) => {
      const opts = program.opts<GlobalOptions>();
      const stats = await withStore(opts, async (db) => (await db.collection(name)).stats());
      print(opts, stats, () =>
        [
          `rows: ${stats.rows}`,
          `wal: last ${stats.lastLsn}, checkpoint ${stats.checkpoint}`,
          ...stats.segments.map((s) => `segment ${s.id}: ${s.state}, ${s.rows} rows, ${s.deleted} deleted`),
        ].join('\n'),
      );
    });

  program
    .command('verify')
    .description('read every stored file back and check every checksum')
    .action(async () => {
      const opts = program.opts<GlobalOptions>();
      const report = await withStore(opts, (db) => db.verify());
      print(
        opts,
        report,
        () =>
          report.collections
            .map(
              (c) =>
                `${c.name}: ${c.segments} segments, ${c.tombstones} tombstone files, ${c.walRecords} WAL records: ok`,
            )
            .join('\n') || 'no collections',
      );
    });
  addIngestCommand(program);
  addSearchCommand(program);
  addAskCommand(program);
  addServeCommand(program);
  addEvalCommand(program);
  addModelsCommand(program);
  addClusterCommands(program);
  return program;
}

/** What to do next, per error code: printed after the error on stderr. */
const HINTS: Partial<Record<ErrorCode, string>> = {
  LOCKED: 'another process has this store open; stop it or use another --path',
  CORRUPT: 'restore the named file from a backup, or drop the collection',
  CONFIG_INVALID: 'fix the key named above; pipelines/default.yaml lists every setting with its default',
  UNSUPPORTED_FILE:
    'exclude the file with an exclude glob in the pipeline (loader.exclude), or convert it to a supported type',
  MALFORMED_FILE: 'fix or exclude the named file; nothing was written',
  ENCRYPTED_FILE: 'decrypt the PDF (e.g. qpdf --decrypt) or exclude it; nothing was written',
  INCOMPATIBLE: 'ingest into another --collection, or drop this one and ingest again',
  COLLECTION_NOT_FOUND: 'list collections with: quiver collections',
  TIMEOUT: 'the model server did not answer in time: check that it runs, or raise generator.timeoutMs',
  UPSTREAM: 'the model server answered with an error: check generator.baseUrl, model and the API key variable',
};

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof QuiverError) {
      console.error(`error ${err.code}: ${err.message}`);
      const hint = HINTS[err.code];
      if (hint) console.error(`hint: ${hint}`);
      return exitCodeFor(err.code);
    }
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    return EXIT.internal;
  }
}
