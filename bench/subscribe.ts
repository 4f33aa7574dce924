/**
 * What a subscribe costs through the local stack (issue 24): the round trip of `{"action":"subscribe",…}` over a real
 * `ws` client when an allow rule judges it and when the app's hook function does, against `{"action":"ping"}` (API
 * Gateway's MOCK integration: the bare round trip); the CPU of this process (the whole stack) per frame, and the
 * channels function's own duration per subscribe. See BENCHMARKS.md.
 *
 *   npx ts-node --project tsconfig.dev.json bench/subscribe.ts [--rounds 10] [--block 50] [--out FILE]
 *
 * The construct's functions run from assets/ (`npx projen bundle` first).
 */
import * as path from 'path';
import { helpText, parseCommand } from './harness/options';
import { machine } from './reports/machine';
import { RESULTS_DIR, writeResults } from './reports/results-file';
import { subscribeTable, type SubscribeResults } from './reports/subscribe-results';
import { subscribeAppTemplate } from './scenarios/subscribe/app';
import { FRAMES_PER_CONNECTION } from './scenarios/subscribe/frames';
import { FunctionLog, SubscribeRun } from './scenarios/subscribe/subscribe-run';
import { LocalSystem } from '../local/system/local-system';
import { resourcesOfType } from '../local/template/intrinsics';

const COMMAND = {
  usage: 'subscribe.ts [options]',
  options: {
    rounds: { kind: 'integer', arg: 'N', help: 'rounds of blocks, the kinds interleaved in each (default 10)' },
    block: { kind: 'integer', arg: 'N', help: 'frames per block (default 50)' },
    warmup: { kind: 'integer', arg: 'N', help: 'frames of each kind first, not measured (default 20)' },
    out: { kind: 'text', arg: 'FILE', help: 'results JSON (default bench/results/subscribe-latest.json)' },
  },
} as const;

async function main(): Promise<void> {
  const { values } = parseCommand(COMMAND);
  const options = { rounds: values.rounds ?? 10, block: values.block ?? 50, warmup: values.warmup ?? 20 };
  const out = path.resolve(values.out ?? path.join(RESULTS_DIR, 'subscribe-latest.json'));
  const started = Date.now();
  const template = subscribeAppTemplate();
  const hook = resourcesOfType(template, 'AWS::Lambda::Function').map(([id]) => id).find((id) => id.startsWith('Hook'));
  if (!hook) throw new Error(`the template has no hook function\n${helpText(COMMAND)}`);
  const log = new FunctionLog(hook);
  const system = await LocalSystem.start({ seed: 24, template, onFunctionInvocation: log.record });
  let results: SubscribeResults;
  try {
    const kinds = await new SubscribeRun(system, log).measure(options);
    results = {
      date: new Date().toISOString(),
      durationS: Math.round((Date.now() - started) / 1000),
      machine: machine(),
      options: { ...options, framesPerConnection: FRAMES_PER_CONNECTION },
      kinds,
    };
  } finally {
    await system.stop();
  }
  writeResults(out, results);
  console.log(`\n## Subscribe round trips (${options.rounds} rounds × ${options.block} frames a kind, after ${options.warmup} of each)\n`);
  console.log(subscribeTable(results));
  console.log(`\nresults: ${path.relative(process.cwd(), out)} (${results.durationS} s in all)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
