/**
 * Runs the `quiver` CLI from the TypeScript sources in a child process (`node --import tsx cli-child.ts ...`),
 * for tests that must kill it or watch it as a real process.
 */

import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv);
