import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOOPBACK } from '../../net';

/** What a function's invocation produced: its result, or the error it threw, and its output lines. */
export interface InvokeOutcome {
  readonly result?: unknown;
  readonly error?: { readonly name: string; readonly message: string };
  readonly lines: readonly string[];
}

/** The functions Invoke reaches: found by the name a call gives (a name, a partial or a full ARN), and run. */
export interface InvokeTarget {
  /** The function's id for `run`, or `undefined` when no function answers to this name. */
  resolve(functionName: string): string | undefined;
  run(functionId: string, event: unknown): Promise<InvokeOutcome>;
}

/** The Lambda API's path of Invoke: `/2015-03-31/functions/{FunctionName}/invocations`. */
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** The most of a function's log `X-Amz-Log-Result` carries, as Lambda's `LogType: Tail` does. */
const TAIL_BYTES = 4096;

/**
 * Lambda's Invoke API on loopback, for functions that invoke others (`AWS_ENDPOINT_URL_LAMBDA`): `RequestResponse`
 * runs the function and answers 200 with its result as the payload (a function that threw: 200 with
 * `X-Amz-Function-Error: Unhandled` and `{errorType, errorMessage}`), `Event` answers 202 and runs it in the
 * background, `DryRun` answers 204; `LogType: Tail` returns the last 4 KB of its output. A function the target does not
 * know is 404 `ResourceNotFoundException`, anything but Invoke 400 with the error Lambda gives an unknown operation.
 * Signatures are not checked.
 */
export class LambdaInvokeServer {
  static async start(target: InvokeTarget): Promise<LambdaInvokeServer> {
    const server = new LambdaInvokeServer(target);
    await new Promise<void>((resolve) => server.server.listen(0, LOOPBACK, resolve));
    return server;
  }

  /** Every Invoke call answered, in order: the function's id and how it was invoked. */
  readonly calls: Array<{ readonly functionId: string; readonly invocationType: string }> = [];
  private readonly server: Server;
  private readonly background = new Set<Promise<unknown>>();

  private constructor(private readonly target: InvokeTarget) {
    this.server = createServer((req, res) => void this.handle(req, res).catch((e: Error) => answerError(res, 500, 'ServiceException', e.message)));
  }

  /** `AWS_ENDPOINT_URL_LAMBDA` for the functions. */
  get endpoint(): string {
    return `http://${LOOPBACK}:${(this.server.address() as AddressInfo).port}`;
  }

  /** Stops answering; resolves once the `Event` invocations under way are over. */
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.allSettled([...this.background]);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://local');
    const name = INVOKE_PATH.exec(url.pathname)?.[1];
    if (req.method !== 'POST' || name === undefined) {
      return answerError(res, 400, 'UnknownOperationException', `the local Lambda endpoint answers Invoke only, not ${req.method} ${url.pathname}`);
    }
    const functionName = decodeURIComponent(name);
    const functionId = this.target.resolve(functionName);
    if (functionId === undefined) return answerError(res, 404, 'ResourceNotFoundException', `Function not found: ${functionName}`);
    const text = Buffer.concat(chunks).toString('utf8');
    let event: unknown;
    try {
      event = text === '' ? {} : JSON.parse(text);
    } catch {
      return answerError(res, 400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
    const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    this.calls.push({ functionId, invocationType });
    if (invocationType === 'DryRun') return answer(res, 204, {});
    if (invocationType === 'Event') {
      const run = this.target.run(functionId, event).catch(() => undefined);
      this.background.add(run);
      void run.finally(() => this.background.delete(run));
      return answer(res, 202, {});
    }
    const invocation = await this.target.run(functionId, event);
    answer(res, 200, {
      'x-amz-executed-version': '$LATEST',
      ...(invocation.error ? { 'x-amz-function-error': 'Unhandled' } : {}),
      ...(req.headers['x-amz-log-type'] === 'Tail' ? { 'x-amz-log-result': tail(invocation.lines) } : {}),
    }, invocation.error
      ? JSON.stringify({ errorType: invocation.error.name, errorMessage: invocation.error.message, trace: [] })
      : JSON.stringify(invocation.result ?? null));
  }
}

function answer(res: ServerResponse, status: number, headers: Record<string, string>, body = ''): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body);
}

/** An error as Lambda's API answers one: its type in `x-amzn-ErrorType`, and a JSON body. */
function answerError(res: ServerResponse, status: number, type: string, message: string): void {
  if (res.headersSent) return void res.destroy();
  answer(res, status, { 'x-amzn-errortype': type }, JSON.stringify({ Type: status < 500 ? 'User' : 'Service', Message: message }));
}

function tail(lines: readonly string[]): string {
  const log = Buffer.from(lines.join('\n'), 'utf8');
  return log.subarray(Math.max(0, log.length - TAIL_BYTES)).toString('base64');
}
