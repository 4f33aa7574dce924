import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { verifySigV4, type SigningCredentials, type Verdict } from '../../../local/api-gateway/sigv4';

/** Credentials and Region the handler tests sign with, and the scripted API verifies against. */
export const TEST_CREDENTIALS: SigningCredentials = {
  accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret', sessionToken: 'test-session-token',
};
export const TEST_REGION = 'us-east-1';

/**
 * What the scripted API does with one request: an HTTP answer, `'reset'` (destroy the socket before answering:
 * ECONNRESET on the client) or `'hang'` (never answer).
 */
export type Answer = { readonly status: number; readonly headers?: Record<string, string>; readonly body?: string } | 'reset' | 'hang';

/** 200 with an empty body, as API Gateway answers a delivered post. */
export const OK: Answer = { status: 200 };

/** API Gateway's error answer: the status, the `x-amzn-ErrorType` header and a JSON `message`. */
export function errorAnswer(status: number, type: string, message = type): Answer {
  return { status, headers: { 'x-amzn-ErrorType': type, 'content-type': 'application/json' }, body: JSON.stringify({ message }) };
}

export const GONE = errorAnswer(410, 'GoneException', 'Gone');
export const LIMIT_EXCEEDED = errorAnswer(429, 'LimitExceededException', 'Rate exceeded');
export const PAYLOAD_TOO_LARGE = errorAnswer(413, 'PayloadTooLargeException', 'Message too long');
export const FORBIDDEN = errorAnswer(403, 'ForbiddenException', 'Forbidden');
export const INTERNAL_ERROR = errorAnswer(500, 'InternalServerErrorException', 'Internal server error');
export const UNAVAILABLE = errorAnswer(503, 'ServiceUnavailableException', 'Service Unavailable');

/** One request the scripted API received. */
export interface Received {
  readonly method: string;
  readonly url: string;
  /** The connection id, decoded from the path (undefined when the path is not `/{stage}/@connections/{id}`). */
  readonly connectionId?: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The SigV4 check against the expected credentials: a bad signature is answered 403 before any script runs. */
  readonly verdict: Verdict;
}

export interface ScriptedManagementApiOptions {
  readonly stage?: string;
  readonly credentials?: SigningCredentials;
  readonly region?: string;
}

/**
 * A Management API stand-in on loopback for the handler and sender tests: every request's SigV4 signature is
 * checked (a bad one gets API Gateway's 403 `ForbiddenException`), then the request is answered from a script per
 * connection id (one answer per attempt, the last one repeating), `OK` by default.
 */
export class ScriptedManagementApi {
  static async start(options: ScriptedManagementApiOptions = {}): Promise<ScriptedManagementApi> {
    const api = ScriptedManagementApi.create(options);
    await api.listen();
    return api;
  }

  /** An API not listening yet (for a file-level `const` that a `beforeAll` starts): `listen()` starts it. */
  static create(options: ScriptedManagementApiOptions = {}): ScriptedManagementApi {
    return new ScriptedManagementApi(options);
  }

  readonly received: Received[] = [];
  /** TCP connections accepted since the last reset (keep-alive reuses them). */
  connectionsAccepted = 0;
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly scripts = new Map<string, Answer[]>();
  private fallback: Answer[] = [OK];
  private readonly stage: string;

  private constructor(private readonly options: ScriptedManagementApiOptions) {
    this.stage = options.stage ?? 'local';
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.connectionsAccepted += 1;
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Listens on a free loopback port. */
  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  /** The `CALLBACK_URL` to give the handler. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/${this.stage}`;
  }

  /** Scripts the answers to one connection id: one per attempt, the last repeating. */
  answer(connectionId: string, ...answers: Answer[]): this {
    this.scripts.set(connectionId, [...answers]);
    return this;
  }

  /** Scripts the answers to every connection id without a script of its own (each id runs through it on its own). */
  answerAll(...answers: Answer[]): this {
    this.fallback = [...answers];
    return this;
  }

  /** Forgets the scripts and what was received (between tests); the server and its sockets stay up. */
  reset(): void {
    this.scripts.clear();
    this.fallback = [OK];
    this.received.length = 0;
    this.connectionsAccepted = 0;
  }

  /** Connection ids of the POSTs received, in arrival order. */
  posted(): string[] {
    return this.received.filter((r) => r.method === 'POST').map((r) => r.connectionId!);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const verdict = await verifySigV4({ method: req.method!, url: req.url!, headers: req.headers }, body, {
      credentials: this.options.credentials ?? TEST_CREDENTIALS,
      region: this.options.region ?? TEST_REGION,
    });
    const match = /^\/([^/]+)\/@connections\/([^/?]+)$/.exec(req.url ?? '');
    const connectionId = match && decodeURIComponent(match[1]) === this.stage ? decodeURIComponent(match[2]) : undefined;
    this.received.push({ method: req.method!, url: req.url!, connectionId, headers: req.headers, body, verdict });

    const answer = !verdict.ok ? errorAnswer(403, 'ForbiddenException', verdict.reason)
      : connectionId === undefined ? errorAnswer(403, 'ForbiddenException', 'Missing Authentication Token')
        : this.next(connectionId);
    if (answer === 'hang') return;
    if (answer === 'reset') {
      req.socket.destroy();
      return;
    }
    res.writeHead(answer.status, { 'x-amzn-RequestId': `req-${this.received.length}`, ...answer.headers }).end(answer.body ?? '');
  }

  private next(connectionId: string): Answer {
    let script = this.scripts.get(connectionId);
    if (!script) {
      script = [...this.fallback];
      this.scripts.set(connectionId, script);
    }
    return script.length > 1 ? script.shift()! : script[0];
  }
}
