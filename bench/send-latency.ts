/**
 * Issue 28: the latency a user sees, from `SendMessage` to the socket, through the local stack: moto's queue, the
 * template's SQS event source (long polls), the bundled pusher, dynalite, the Management API emulator (its added
 * latency, 20 ms by default, as API Gateway's) and real `ws` clients. A multicast to one user of 3 connections, one
 * message after the other: each one's time from the `SendMessage` call to its arrival at the last of the 3 sockets,
 * beside the pusher's own invocation (its `durationMs`), whose difference is the queue's and the event source's share.
 *
 *   npx ts-node --project tsconfig.dev.json bench/send-latency.ts [--messages 100] [--latency 20] [--out FILE]
 *
 * The pusher runs from assets/ (`npx projen bundle` first); moto from its venv, as in the e2e tests.
 */
import * as path from 'path';
import { parseCommand } from './harness/options';
import { fmt, table } from './reports/format';
import { machine } from './reports/machine';
import { RESULTS_DIR, writeResults } from './reports/results-file';
import { quantile } from './reports/small-multicast-table';
import type { Invocation } from '../local/lambda-runtime/function-runner';
import { LocalSystem } from '../local/system/local-system';

const COMMAND = {
  usage: 'send-latency.ts [options]',
  options: {
    messages: { kind: 'integer', arg: 'N', help: 'messages measured, one after the other (default 100)' },
    warmup: { kind: 'integer', arg: 'N', help: 'messages first, not measured (default 10)' },
    latency: { kind: 'integer', arg: 'MS', min: 0, help: 'Management API latency added by the emulator (default 20)' },
    out: { kind: 'text', arg: 'FILE', help: 'results JSON (default bench/results/send-latency-latest.json)' },
  },
} as const;

const USER = 'reader';

async function main(): Promise<void> {
  const { values } = parseCommand(COMMAND);
  const options = { messages: values.messages ?? 100, warmup: values.warmup ?? 10, latencyMs: values.latency ?? 20 };
  const out = path.resolve(values.out ?? path.join(RESULTS_DIR, 'send-latency-latest.json'));
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const durations: number[] = [];
  // The pusher's invocations by its event sources (an app function's would be `onFunctionInvocation`'s).
  const record = (invocation: Invocation) => {
    for (const line of invocation.json) if (line.message === 'request processed') durations.push(Number(line.durationMs));
  };
  const system = await LocalSystem.start({ seed: 28, queues: true, onInvocation: record });
  const endToEnd: number[] = [];
  try {
    system.setFaults({ latencyMs: options.latencyMs });
    const clients = await system.connect(USER, 3);
    for (let i = 0; i < options.warmup + options.messages; i++) {
      const seen = clients.map((c) => c.messages.length);
      const sent = performance.now();
      await system.sendToQueue({ users: [USER], data: { i } });
      await Promise.all(clients.map((c, k) => c.nextMessage(seen[k], 10_000)));
      if (i >= options.warmup) endToEnd.push(Math.max(...clients.map((c, k) => c.arrivedAt[seen[k]])) - sent);
    }
  } finally {
    await system.stop();
  }
  const pusher = durations.slice(options.warmup);
  const results = { date: new Date().toISOString(), machine: machine(), options, endToEndMs: endToEnd, pusherDurationMs: pusher };
  writeResults(out, results);
  const row = (name: string, ms: number[]) => [name, fmt(ms.length), ...[0.5, 0.9, 0.99].map((q) => fmt(quantile(ms, q), 1))];
  console.log(`\n## SendMessage to the socket (1 user × 3 connections, ${options.latencyMs} ms Management API latency)\n`);
  console.log(table(['what', 'messages', 'p50 ms', 'p90 ms', 'p99 ms'], [
    row('SendMessage → the last of 3 sockets', endToEnd),
    row('the pusher\'s invocation (durationMs)', pusher),
  ]));
  console.log(`\nresults: ${path.relative(process.cwd(), out)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
