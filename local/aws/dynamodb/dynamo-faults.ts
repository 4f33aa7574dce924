import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOOPBACK } from '../../net';

/**
 * An HTTP proxy in front of dynalite that fails chosen DynamoDB calls the way DynamoDB itself can (a hot or
 * unavailable partition answers 500 `InternalServerError`), so that the handler's lookups of some users fail while
 * the rest of the table answers. Everything else is forwarded untouched; the handler reaches it through
 * `AWS_ENDPOINT_URL_DYNAMODB`, like dynalite.
 */
export class DynamoFaults {
  static async start(target: string): Promise<DynamoFaults> {
    const faults = new DynamoFaults(new URL(target));
    await new Promise<void>((resolve) => faults.server.listen(0, LOOPBACK, resolve));
    return faults;
  }

  /** Query calls answered with an error, by user id. */
  readonly failedQueries: string[] = [];
  private readonly server: Server;
  /** Calls answered with an error, by action (`PutItem`, `Query`, …). */
  readonly failedActions: string[] = [];
  /** User id → how many more of its Query calls fail. */
  private readonly failing = new Map<string, number>();
  /** Action → how many more of its calls fail, and how. */
  private readonly failingActions = new Map<string, { left: number; fault: DynamoFault }>();

  private constructor(private readonly target: URL) {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  /** The endpoint to give the handler as `AWS_ENDPOINT_URL_DYNAMODB`. */
  get endpoint(): string {
    return `http://${LOOPBACK}:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next `times` Query calls for each of `userIds` (the key condition's `:u`) answer 500 (all of them by default). */
  failQueries(userIds: readonly string[], times = Infinity): void {
    for (const userId of userIds) this.failing.set(userId, times);
  }

  /**
   * The next `times` calls of `action` (e.g. `PutItem`) answer as DynamoDB does when it cannot serve them: 500
   * `InternalServerError`, or 400 `ProvisionedThroughputExceededException` (a throttle). All of them by default.
   */
  failAction(action: string, fault: DynamoFault = 'internal-error', times = Infinity): void {
    this.failingActions.set(action, { left: times, fault });
  }

  /** Every call is answered again. */
  clear(): void {
    this.failing.clear();
    this.failingActions.clear();
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const action = String(req.headers['x-amz-target'] ?? '').replace(/^DynamoDB_\d+\./, '');
    const byAction = this.failingActions.get(action);
    if (byAction && byAction.left > 0) {
      byAction.left--;
      this.failedActions.push(action);
      return answerFault(res, byAction.fault);
    }
    const userId = action === 'Query' ? queriedUser(body) : undefined;
    const left = userId === undefined ? 0 : this.failing.get(userId) ?? 0;
    if (userId !== undefined && left > 0) {
      this.failing.set(userId, left - 1);
      this.failedQueries.push(userId);
      return answerFault(res, 'internal-error');
    }
    const forwarded = request({
      hostname: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: { ...req.headers, host: this.target.host },
    }, (answer) => {
      res.writeHead(answer.statusCode ?? 500, answer.headers);
      answer.pipe(res);
    });
    forwarded.on('error', () => res.destroy());
    forwarded.end(body);
  }
}

/** How an injected DynamoDB failure answers. */
export type DynamoFault = 'internal-error' | 'throttle';

function answerFault(res: ServerResponse, fault: DynamoFault): void {
  const [status, type, message] = fault === 'throttle'
    ? [400, 'ProvisionedThroughputExceededException', 'The level of configured provisioned throughput for the table was exceeded (injected)']
    : [500, 'InternalServerError', 'Internal server error (injected)'];
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }));
}

function queriedUser(body: Buffer): string | undefined {
  try {
    const value = JSON.parse(body.toString('utf8')).ExpressionAttributeValues?.[':u']?.S;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
