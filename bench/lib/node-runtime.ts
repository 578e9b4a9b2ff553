/**
 * Picks the Node binary a benchmark child runs under, from a package's declared `engines.node`: the current
 * Node when it qualifies, otherwise a Node of the required major version installed from the npm registry
 * (the `node-<platform>-<arch>` packages ship the binary) into node_modules/.cache, once. BENCH_NODE_<major>
 * (e.g. BENCH_NODE_22=/path/to/node) names a binary to use instead.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Exact versions installed for each major, so runs are reproducible. */
const PINNED: Record<number, string> = { 22: '22.23.3' };

export interface NodeRuntime {
  /** Path of the node binary. */
  bin: string;
  /** Its version, e.g. "v22.23.3". */
  version: string;
  /** Why this runtime, for the report. */
  reason: string;
}

/**
 * The lowest major version an `engines.node` range allows, for the forms packages actually write
 * (">=22", ">= 22", ">=22.x", "^20.19 || >=22"); undefined when the range has no lower bound we can read.
 */
export function minimumMajor(range: string): number | undefined {
  const majors = range
    .split('||')
    .map((part) => /^\s*(?:>=|\^|~)?\s*v?(\d+)/.exec(part)?.[1])
    .filter((m): m is string => m !== undefined)
    .map(Number);
  return majors.length > 0 ? Math.min(...majors) : undefined;
}

export function declaredEngine(packageJson: string): string | undefined {
  const json = JSON.parse(readFileSync(packageJson, 'utf8')) as { engines?: { node?: string } };
  return json.engines?.node;
}

/**
 * The runtime for the package whose package.json is given: this Node if its engines allow it, else an
 * installed Node of the major version they ask for. `root` is the project root (where node_modules is).
 */
export function runtimeFor(root: string, packageJson: string): NodeRuntime {
  const range = declaredEngine(packageJson);
  const need = range === undefined ? undefined : minimumMajor(range);
  const have = Number(process.versions.node.split('.')[0]);
  if (need === undefined || have >= need) {
    return { bin: process.execPath, version: process.version, reason: `engines ${range ?? 'unset'}` };
  }
  const bin = ensureNode(root, need);
  const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  return { bin, version, reason: `engines "${range}": Node ${process.versions.node} is too old` };
}

export function ensureNode(root: string, major: number): string {
  const override = process.env[`BENCH_NODE_${major}`];
  if (override) return override;
  const version = PINNED[major] ?? String(major);
  const name = `node-${process.platform}-${process.arch}`;
  const prefix = join(root, 'node_modules', '.cache', 'quiver-bench', `node-${version}`);
  const bin = join(prefix, 'node_modules', name, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (!existsSync(bin)) {
    console.log(`installing ${name}@${version} from the npm registry into ${relative(root, prefix)}`);
    execFileSync(
      'npm',
      [
        'install',
        '--prefix',
        prefix,
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        `${name}@${version}`,
      ],
      { stdio: 'inherit' },
    );
  }
  return bin;
}
