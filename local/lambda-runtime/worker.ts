/**
 * The Lambda runtime's worker: one execution environment. It loads a function's code once (its module-level code runs
 * as a cold start does), then runs one invocation at a time with a Lambda context, and marks the end of each
 * invocation's output so that the runner can tell which lines it wrote. Started by `FunctionRunner` from its bundle
 * (`assets/local/runtime/index.js`), with the function's environment as `process.env`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lambdaContext } from './context';
import { END_OF_INVOCATION, type InvokeMessage, type WorkerData, type WorkerMessage } from './protocol';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

function errorOf(error: unknown): { name: string; message: string } {
  const e = error as { name?: string; message?: unknown } | undefined;
  return { name: e?.name || 'Error', message: String(e?.message) };
}

/** A function that requires the AWS SDK without bundling it: Lambda provides it, the local runtime finds it in the app. */
function withSdkHint(error: { name: string; message: string }): { name: string; message: string } {
  const missing = /Cannot find module '(@aws-sdk\/[^'/]+)/.exec(error.message)?.[1];
  if (!missing) return error;
  return { ...error, message: `${error.message}\nLambda's Node.js runtime provides ${missing}; locally, install it where you run the command: npm install --save-dev ${missing}` };
}

function main(port: NonNullable<typeof parentPort>, data: WorkerData): void {
  let handler: Handler;
  try {
    // NODE_PATH (the function's, as Lambda sets one) is read by the module loader at start: again, for this worker.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('node:module') as { _initPaths(): void })._initPaths();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = require(data.codePath)[data.exportName];
    port.postMessage({ type: 'ready' } satisfies WorkerMessage);
  } catch (error) {
    port.postMessage({ type: 'init-error', error: withSdkHint(errorOf(error)) } satisfies WorkerMessage);
    return;
  }
  port.on('message', async ({ id, event, timeoutMs }: InvokeMessage) => {
    let reply: WorkerMessage;
    try {
      reply = { type: 'result', id, result: await handler(event, lambdaContext(id, timeoutMs)) };
    } catch (error) {
      reply = { type: 'result', id, error: errorOf(error) };
    }
    process.stdout.write(`\n${END_OF_INVOCATION}${id}\n`);
    process.stderr.write(`\n${END_OF_INVOCATION}${id}\n`);
    port.postMessage(reply);
  });
}

if (parentPort) main(parentPort, workerData as WorkerData);
