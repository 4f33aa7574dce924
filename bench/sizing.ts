/**
 * The Lambda sizing model of a bench run (issue 16; see `tools/sizing.ts`):
 *
 *   npx ts-node --project tsconfig.dev.json bench/sizing.ts [results.json] [--arch arm64|x86_64]
 */
import * as path from 'path';
import { parseCommand } from './harness/options';
import type { Results } from './reports/results';
import { readResults, RESULTS_DIR } from './reports/results-file';
import { PRICES, printSizing, type Arch } from './tools/sizing';

const COMMAND = {
  usage: 'sizing.ts [RESULTS.json (default bench/results/latest.json)] [options]',
  positionals: true,
  options: {
    arch: { kind: 'text', arg: 'arm64|x86_64', help: 'the Lambda architecture priced (default arm64)' },
  },
} as const;

const { values, positionals } = parseCommand(COMMAND);
const arch = values.arch ?? 'arm64';
if (!(arch in PRICES.gbSecond)) throw new Error(`--arch: expected ${Object.keys(PRICES.gbSecond).join(' or ')}, got '${arch}'`);
const file = positionals[0] ?? path.join(RESULTS_DIR, 'latest.json');
printSizing(file, readResults<Results>(file), arch as Arch);
