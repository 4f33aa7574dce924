/**
 * Self time by package and by function of a V8 CPU profile (`npm run bench -- --profile` writes them to
 * `.bench/profiles/`):
 *
 *   npx ts-node --project tsconfig.dev.json bench/profile-summary.ts .bench/profiles/<name>.cpuprofile [top]
 */
import { helpText, parseCommand } from './harness/options';
import { summarize } from './tools/profile-summary';

const COMMAND = { usage: 'profile-summary.ts FILE.cpuprofile [top (default 25)]', positionals: true, options: {} } as const;

const [file, top] = parseCommand(COMMAND).positionals;
if (!file) {
  console.error(helpText(COMMAND));
  process.exit(2);
}
console.log(summarize(file, top ? Number(top) : 25));
