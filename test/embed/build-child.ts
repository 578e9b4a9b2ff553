/**
 * Child process for the interrupted-build test: builds the default model into the cache folder given as
 * the first argument, so the parent can kill it part-way.
 * Usage: node --import tsx build-child.ts <cacheDir>
 */

import { buildDefaultModel } from '../../src/embed/index.js';

await buildDefaultModel({ cacheDir: process.argv[2]! });
process.stdout.write('BUILT\n');
