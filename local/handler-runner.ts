import * as path from 'path';
import { Worker } from 'worker_threads';

/** The bundled pusher handler, exactly as the package ships it. */
export const BUNDLED_HANDLER = path.resolve(__dirname, '..', 'assets', 'lambda', 'pusher.lambda', 'index.js');

/** What one invocation produced: the handler's result or error, and everything it wrote to stdout / stderr. */
export interface Invocation<T = unknown> {
  readonly result?: T;
  /** Set when the handler threw (or rejected): Lambda would report the invocation as failed. */
  readonly error?: { readonly name: string; readonly message: string };
  /** Raw output lines, stdout then stderr. */
  readonly lines: string[];
  /** The output lines that are JSON objects (structured logs and EMF metrics). */
  readonly json: Record<string, any>[];
}

export interface InvokeOptions {
  /** The function timeout the fake context reports through `getRemainingTimeInMillis`. @default 60000 */
  readonly timeoutMs?: number;
}

const SENTINEL = '__local_invocation_done__';

// Runs in the worker: a minimal Lambda runtime loop around the bundle. Plain JavaScript (the bundle is JS).
const RUNTIME = `
const { parentPort, workerData } = require('worker_threads');
let mod;
try {
  mod = require(workerData.bundlePath);
  parentPort.postMessage({ type: 'ready' });
} catch (error) {
  parentPort.postMessage({ type: 'init-error', error: { name: error.name, message: String(error.message) } });
}
parentPort.on('message', async ({ id, event, timeoutMs }) => {
  const deadline = Date.now() + timeoutMs;
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:' + process.env.AWS_REGION + ':000000000000:function:' + name,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: id,
    logGroupName: '/aws/lambda/' + name,
    logStreamName: '2025/01/01/[$LATEST]local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {}, fail() {}, succeed() {},
  };
  let reply;
  try {
    reply = { type: 'result', id, result: await mod[workerData.exportName](event, context) };
  } catch (error) {
    reply = { type: 'result', id, error: { name: (error && error.name) || 'Error', message: String(error && error.message) } };
  }
  process.stdout.write('\\n${SENTINEL}' + id + '\\n');
  process.stderr.write('\\n${SENTINEL}' + id + '\\n');
  parentPort.postMessage(reply);
});
`;

interface Pending {
  readonly id: string;
  reply?: { result?: unknown; error?: { name: string; message: string } };
  stdoutDone: boolean;
  stderrDone: boolean;
  readonly stdout: string[];
  readonly stderr: string[];
  resolve(invocation: Invocation): void;
  reject(error: Error): void;
}

/**
 * Loads the bundled handler in a worker thread with its own environment, as a Lambda execution environment
 * would: module-level clients are created from that environment, and a new runner is a cold start.
 * Invocations run one at a time, like in one Lambda execution environment.
 */
export class HandlerRunner {
  static async load(env: Record<string, string>, bundlePath = BUNDLED_HANDLER, exportName = 'handler'): Promise<HandlerRunner> {
    const worker = new Worker(RUNTIME, { eval: true, env, workerData: { bundlePath, exportName }, stdout: true, stderr: true });
    const runner = new HandlerRunner(worker);
    await new Promise<void>((ready, fail) => {
      worker.once('error', fail);
      worker.once('message', (message: { type: string; error?: { message: string } }) => {
        worker.off('error', fail);
        return message.type === 'ready' ? ready() : fail(new Error(`the handler failed to load: ${message.error?.message}`));
      });
    });
    return runner;
  }

  /** Output written while the module loaded or between invocations. */
  readonly startupLines: string[] = [];
  private pending?: Pending;
  /** The end of the last invocation asked for: the next one starts after it. */
  private queue: Promise<void> = Promise.resolve();
  private counter = 0;
  private exited = false;

  private constructor(private readonly worker: Worker) {
    this.readLines(worker.stdout, 'stdout');
    this.readLines(worker.stderr, 'stderr');
    worker.on('message', (message: { type: string; id: string; result?: unknown; error?: { name: string; message: string } }) => {
      if (message.type === 'result' && this.pending?.id === message.id) {
        this.pending.reply = { result: message.result, error: message.error };
        this.complete();
      }
    });
    worker.on('error', (error: Error) => this.pending?.reject(error));
    worker.on('exit', (code) => {
      this.exited = true;
      this.pending?.reject(new Error(`the handler's worker exited with code ${code}`));
    });
  }

  /**
   * Invokes the handler with an event (SQS, SNS or a direct request) and a fake Lambda context. One execution
   * environment runs one invocation at a time: a call made while another runs waits for its turn.
   */
  async invoke<T = unknown>(event: unknown, options: InvokeOptions = {}): Promise<Invocation<T>> {
    const turn = this.queue.then(() => this.invokeNow<T>(event, options));
    this.queue = turn.then(() => undefined, () => undefined);
    return turn;
  }

  private async invokeNow<T>(event: unknown, options: InvokeOptions): Promise<Invocation<T>> {
    if (this.exited) {
      throw new Error('the handler was stopped');
    }
    const id = `local-invocation-${++this.counter}`;
    const invocation = new Promise<Invocation>((resolve, reject) => {
      this.pending = { id, stdoutDone: false, stderrDone: false, stdout: [], stderr: [], resolve, reject };
    });
    this.worker.postMessage({ id, event, timeoutMs: options.timeoutMs ?? 60_000 });
    try {
      return await invocation as Invocation<T>;
    } finally {
      this.pending = undefined;
    }
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      await this.worker.terminate();
    }
  }

  private readLines(stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr'): void {
    let buffer = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        this.onLine(buffer.slice(0, newline), name);
        buffer = buffer.slice(newline + 1);
      }
    });
  }

  private onLine(line: string, stream: 'stdout' | 'stderr'): void {
    const pending = this.pending;
    if (pending && line === `${SENTINEL}${pending.id}`) {
      pending[stream === 'stdout' ? 'stdoutDone' : 'stderrDone'] = true;
      this.complete();
    } else if (line.trim() !== '') {
      (pending ? pending[stream] : this.startupLines).push(line);
    }
  }

  /** An invocation is over once its result and the end of both output streams have arrived. */
  private complete(): void {
    const pending = this.pending;
    if (!pending?.reply || !pending.stdoutDone || !pending.stderrDone) {
      return;
    }
    const lines = [...pending.stdout, ...pending.stderr];
    pending.resolve({ ...pending.reply, lines, json: lines.flatMap(parseJsonObject) });
  }
}

function parseJsonObject(line: string): Record<string, any>[] {
  try {
    const value = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? [value] : [];
  } catch {
    return [];
  }
}
