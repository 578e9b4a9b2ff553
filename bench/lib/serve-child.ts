/**
 * Runs `quiver serve` from the TypeScript sources in its own process, for the HTTP benchmark: the server gets
 * its own event loop, as in production, and the load generator does not share it.
 * Usage: node --import tsx bench/lib/serve-child.ts <quiver CLI arguments...>
 */

import { main } from '../../src/cli/main.js';

process.exitCode = await main(['node', 'quiver', ...process.argv.slice(2)]);
