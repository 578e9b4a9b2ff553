/**
 * Starts an index-build worker thread from this folder, from compiled JS or from the TypeScript sources (tests,
 * tsx), where the worker needs the TypeScript loader registered before it imports its entry.
 */

import { Worker } from 'node:worker_threads';

export function startWorker(entry: string, workerData: unknown, transferList: ArrayBuffer[] = []): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  if (!fromSource) return new Worker(new URL(`./${entry}.js`, import.meta.url), { workerData, transferList });
  const url = new URL(`./${entry}.ts`, import.meta.url).href;
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url)}); })`;
  return new Worker(boot, { eval: true, workerData, transferList });
}
