/**
 * Benchmark subject: the bundled pusher (the asset the package ships), invoked once with an SQS event holding one
 * request. Configured only through its environment, as the construct configures the Lambda function.
 */
import { createRequire } from 'module';
import { measureWhenTold, setting } from './measure';
import { sqsEvent } from '../local/events';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

let handler: Handler;

function context(timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${name}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: 'bench-invocation-1',
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
  },
  async () => {
    const request = JSON.parse(setting('BENCH_REQUEST'));
    const result = await handler(sqsEvent([request], { messageIds: ['bench-1'] }), context(15 * 60_000));
    return { result };
  },
);
