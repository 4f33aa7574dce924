/**
 * Micro-benchmark of sender modules alone (see `scenarios/sender-micro/`), for A/B tests of sender changes; the bench's
 * senders' comparison (`npm run bench -- --sizes none --sweep none --multicast-users 0`) is the end-to-end figure.
 *
 *   npx ts-node --project tsconfig.dev.json bench/sender-micro.ts [--posts 20000] [--in-flight 64] [--repeat 5] MODULE.ts ...
 *
 * Each MODULE exports `SignedHttpSender` (the constructor and `post` of lambda/adapters/signed-http-sender.ts).
 */
import { helpText, parseCommand } from './harness/options';
import { microTable, senderMicro } from './scenarios/sender-micro/sender-micro';

const COMMAND = {
  usage: 'sender-micro.ts [options] MODULE.ts ...',
  positionals: true,
  options: {
    'posts': { kind: 'integer', arg: 'N', help: 'measured posts per run, after a warm-up of up to 2,000 (default 20000)' },
    'in-flight': { kind: 'integer', arg: 'N', help: 'posts in flight, and the sender\'s sockets (default 64)' },
    'repeat': { kind: 'integer', arg: 'N', help: 'runs of each module, interleaved; the median is reported (default 5)' },
  },
} as const;

async function main(): Promise<void> {
  const { values, positionals } = parseCommand(COMMAND);
  if (positionals.length === 0) throw new Error(`no sender module given\n${helpText(COMMAND)}`);
  const results = await senderMicro({ modules: positionals, posts: values.posts ?? 20_000, inFlight: values['in-flight'] ?? 64, repeat: values.repeat ?? 5 });
  console.log(`\n${microTable(results)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
