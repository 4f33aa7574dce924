import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConnectionRegistry } from './connections';
import { MAX_ACTIVITY_DATA, type ActivityFeed } from '../activity';
import type { FaultInjector } from './faults';
import { NativeSha256, verifySigV4, type SigningCredentials } from './sigv4';
import type { MutableStats } from './stats';
import { LIMITS } from '../../src/shared/constants';

const ERROR_MESSAGES: Record<string, string> = {
  GoneException: 'Gone',
  LimitExceededException: 'Rate exceeded',
  PayloadTooLargeException: 'Message too long',
  ForbiddenException: 'Forbidden',
  InternalServerErrorException: 'Internal server error',
};

class ManagementApiError extends Error {
  constructor(readonly status: number, readonly type: string, message = ERROR_MESSAGES[type] ?? type) {
    super(message);
  }
}

export interface ManagementApiOptions {
  readonly stage: string;
  readonly seed: number;
  readonly registry: ConnectionRegistry;
  readonly faults: FaultInjector;
  /** What every request must be SigV4-signed with (service `execute-api`), or `'off'`. */
  readonly signing: { readonly credentials: SigningCredentials; readonly region: string } | 'off';
  /** The counters this API updates (the emulator replaces them on reset). */
  readonly stats: () => MutableStats;
  /** Told of every post to a connection (delivered or gone). */
  readonly activity?: ActivityFeed;
}

/**
 * The Management API (`POST`, `GET`, `DELETE /{stage}/@connections/{id}`) with API Gateway's status codes and error
 * shapes: the signature is checked first, then the injected latency and faults, then the connection.
 */
export class ManagementApi {
  /** Whether signatures are checked (the benchmark's unsigned client turns it off). */
  signatureCheck: boolean;

  constructor(private readonly options: ManagementApiOptions) {
    this.signatureCheck = options.signing !== 'off';
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const stats = this.options.stats();
    stats.firstRequestAt ??= performance.now();
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    try {
      const body = await readBody(req);
      const { status, payload } = await this.route(req, body);
      this.respond(res, status, payload);
    } catch (error) {
      const e = error instanceof ManagementApiError ? error : new ManagementApiError(500, 'InternalServerErrorException');
      this.respond(res, e.status, JSON.stringify({ message: e.message }), e.type);
    } finally {
      // The counters in place now: a reset during the request carried its in-flight count over to new ones.
      this.options.stats().inFlight--;
    }
  }

  private async route(req: IncomingMessage, body: Buffer): Promise<{ status: number; payload?: string }> {
    const method = req.method ?? 'GET';
    const match = /^\/([^/]+)\/@connections\/([^/?]+)\/?(?:\?.*)?$/.exec(req.url ?? '');
    if (!match || decodeURIComponent(match[1]) !== this.options.stage || !['POST', 'GET', 'DELETE'].includes(method)) {
      throw new ManagementApiError(403, 'ForbiddenException');
    }
    const connectionId = decodeURIComponent(match[2]);
    this.options.stats().requests[method as 'POST' | 'GET' | 'DELETE']++;
    await this.checkSignature(req, method, body);
    const latency = this.options.faults.latencyMs();
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    const fault = this.options.faults.next(connectionId);
    if (fault) throw new ManagementApiError(fault.status, fault.type);
    if (method === 'POST' && body.length > LIMITS.MAX_PAYLOAD_BYTES) throw new ManagementApiError(413, 'PayloadTooLargeException');
    const connection = this.options.registry.get(connectionId);
    // An id no connection has is 410 on API Gateway too: its knowledge center lists "the connectionID isn't valid" among
    // GoneException's causes (re:Post, 410-gone-api-gateway). Whether a malformed id gets a 400 instead is not verified.
    if (!connection) {
      if (method === 'POST') this.posted(connectionId, body, 'gone');
      throw new ManagementApiError(410, 'GoneException');
    }
    switch (method) {
      case 'POST': {
        connection.sent++;
        if (!(await connection.receiver.deliver(body))) {
          connection.sent--;
          this.posted(connectionId, body, 'gone');
          throw new ManagementApiError(410, 'GoneException');
        }
        this.posted(connectionId, body, 'delivered');
        const stats = this.options.stats();
        stats.delivered++;
        stats.deliveredBytes += body.length;
        return { status: 200 };
      }
      case 'GET':
        return {
          status: 200,
          payload: JSON.stringify({
            connectedAt: connection.connectedAt.toISOString(),
            identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent },
            lastActiveAt: connection.lastActiveAt.toISOString(),
          }),
        };
      default:
        connection.closedBy = 'api';
        this.options.registry.remove(connection);
        connection.receiver.close();
        return { status: 204 };
    }
  }

  private posted(connectionId: string, body: Buffer, status: 'delivered' | 'gone'): void {
    this.options.activity?.emit({ kind: 'post', connectionId, bytes: body.length, data: body.toString('utf8', 0, MAX_ACTIVITY_DATA * 4).slice(0, MAX_ACTIVITY_DATA), status });
  }

  private async checkSignature(req: IncomingMessage, method: string, body: Buffer): Promise<void> {
    const signing = this.options.signing;
    if (!this.signatureCheck || signing === 'off') return;
    const verdict = await verifySigV4({ method, url: req.url ?? '', headers: req.headers }, body, { ...signing, sha256: NativeSha256 });
    if (!verdict.ok) throw new ManagementApiError(403, 'ForbiddenException', verdict.reason);
  }

  private respond(res: ServerResponse, status: number, payload?: string, errorType?: string): void {
    const stats = this.options.stats();
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    const headers: Record<string, string | number> = { 'x-amzn-RequestId': this.requestId(stats) };
    if (errorType) headers['x-amzn-ErrorType'] = errorType;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    } else {
      headers['content-length'] = 0;
    }
    res.writeHead(status, headers);
    res.end(payload);
  }

  private requestId(stats: MutableStats): string {
    const n = stats.requests.POST + stats.requests.GET + stats.requests.DELETE;
    return createHash('sha256').update(`request:${this.options.seed}:${n}:${Date.now()}`).digest('hex').slice(0, 32);
  }
}

/** Reads a request body, refusing anything far beyond the payload limit (the 413 needs only the size). */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16 * LIMITS.MAX_PAYLOAD_BYTES) throw new ManagementApiError(413, 'PayloadTooLargeException');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
