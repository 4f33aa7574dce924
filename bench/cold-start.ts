/**
 * Cold start of bundles (see `scenarios/cold-start.ts`): `require` time in fresh `node` processes, and with
 * `--first-post` the first post of the bundle's `SignedHttpSender`.
 *
 *   npx ts-node --project tsconfig.dev.json bench/cold-start.ts [--samples 15] [--first-post] BUNDLE.js ...
 */
import { helpText, parseCommand } from './harness/options';
import { coldStart, coldStartTable } from './scenarios/cold-start';

const COMMAND = {
  usage: 'cold-start.ts [options] BUNDLE.js ...',
  positionals: true,
  options: {
    'samples': { kind: 'integer', arg: 'N', help: 'fresh processes per bundle, interleaved (default 15)' },
    'first-post': { kind: 'flag', help: 'also time constructing the bundle\'s SignedHttpSender and its first post to a local server' },
  },
} as const;

async function main(): Promise<void> {
  const { values, positionals } = parseCommand(COMMAND);
  if (positionals.length === 0) throw new Error(`no bundle given\n${helpText(COMMAND)}`);
  const samples = await coldStart({ bundles: positionals, samples: values.samples ?? 15, firstPost: values['first-post'] ?? false });
  console.log(coldStartTable(samples));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
