/**
 * Benchmark subject: the bundled pusher (the asset the package ships), invoked once with an SQS event holding one
 * request. Configured only through its environment, as the construct configures the Lambda function.
 * `BENCH_WARM=true`: one invocation with the same request (another message id) before the measured one, in setup, so
 * that the measured one is a warm Lambda's (code compiled, sockets open) and not the first of a fresh process.
 * `BENCH_INVOCATIONS=N`: N invocations one after the other (each its own message), each one's wall time reported.
 */
import { createRequire } from 'module';
import { sqsEvent } from '../../local/events';
import { lambdaContext } from '../../local/lambda-runtime/context';
import { measureWhenTold, setting } from '../harness/measure';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

let handler: Handler;

measureWhenTold(
  async () => {
    // Loading the module is Lambda's init phase: not part of the measured invocation.
    handler = (createRequire(__filename)(setting('BENCH_HANDLER')) as { handler: Handler }).handler;
    if (process.env.BENCH_WARM === 'true') {
      await handler(sqsEvent([JSON.parse(setting('BENCH_REQUEST'))], { messageIds: ['bench-warm-up'] }), lambdaContext('bench-warm-up', 15 * 60_000));
    }
  },
  async () => {
    const request = JSON.parse(setting('BENCH_REQUEST'));
    const invocations = Number(process.env.BENCH_INVOCATIONS ?? 1);
    const latenciesMs: number[] = [];
    let result: unknown;
    for (let i = 1; i <= invocations; i++) {
      const started = performance.now();
      result = await handler(sqsEvent([request], { messageIds: [`bench-${i}`] }), lambdaContext(`bench-invocation-${i}`, 15 * 60_000));
      latenciesMs.push(performance.now() - started);
    }
    return invocations > 1 ? { result, latenciesMs } : { result };
  },
);
