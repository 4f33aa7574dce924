/**
 * Benchmark subject: the bundled pusher (the asset the package ships), invoked once with an SQS event holding one
 * request. Configured only through its environment, as the construct configures the Lambda function.
 * `BENCH_WARM=true`: one invocation with the same request (another message id) before the measured one, in setup, so
 * that the measured one is a warm Lambda's (code compiled, sockets open) and not the first of a fresh process.
 */
import { createRequire } from 'module';
import { sqsEvent } from '../../local/events';
import { measureWhenTold, setting } from '../harness/measure';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

let handler: Handler;

function context(timeoutMs: number, requestId = 'bench-invocation-1') {
  const deadline = Date.now() + timeoutMs;
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${name}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: '2025/01/01/[$LATEST]bench',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
}

measureWhenTold(
  async () => {
    // Loading the module is Lambda's init phase: not part of the measured invocation.
    handler = (createRequire(__filename)(setting('BENCH_HANDLER')) as { handler: Handler }).handler;
    if (process.env.BENCH_WARM === 'true') {
      await handler(sqsEvent([JSON.parse(setting('BENCH_REQUEST'))], { messageIds: ['bench-warm-up'] }), context(15 * 60_000, 'bench-warm-up'));
    }
  },
  async () => {
    const request = JSON.parse(setting('BENCH_REQUEST'));
    const result = await handler(sqsEvent([request], { messageIds: ['bench-1'] }), context(15 * 60_000));
    return { result };
  },
);
