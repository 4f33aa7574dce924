import WebSocket from 'ws';
import { CONNECTION_ID_HEADER } from '../api-gateway/websocket-upgrades';

/** What a client sends with its upgrade request, for the authorizer: a query string and headers. */
export interface ConnectOptions {
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
}

/** A real `ws` client connected to the emulator that records every message it receives. */
export class RecordingClient {
  /**
   * Connects as `userId` (`?token=<user id>`, which the local authorizer stand-in `tokenIsUserId` believes) and resolves
   * once the handshake is complete (`$connect` has run).
   */
  static async connect(url: string, userId: string): Promise<RecordingClient> {
    return RecordingClient.open(url, userId, { query: { token: userId } });
  }

  /**
   * Connects with this query string and these headers (e.g. a token for the authorizer); `userId` is the label the
   * client is known by in tests (what the authorizer is expected to answer).
   */
  static async open(url: string, userId: string, request: ConnectOptions = {}): Promise<RecordingClient> {
    const query = new URLSearchParams(request.query ?? {}).toString();
    const ws = new WebSocket(query ? `${url}?${query}` : url, { headers: request.headers ?? {} });
    const client = new RecordingClient(userId, ws);
    let connectionId: string | undefined;
    ws.once('upgrade', (res) => {
      connectionId = res.headers[CONNECTION_ID_HEADER] as string | undefined;
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`connect refused: ${res.statusCode}`)));
    });
    if (!connectionId) {
      ws.terminate();
      throw new Error('the emulator did not report a connection id');
    }
    client.connectionId = connectionId;
    return client;
  }

  connectionId = '';
  /** Every text message received, in arrival order. */
  readonly messages: string[] = [];
  /** When each of `messages` arrived (`performance.now()`, ms): what a latency benchmark reads. */
  readonly arrivedAt: number[] = [];
  /** Binary frames received (API Gateway sends PostToConnection data as text frames: expected to stay 0). */
  binaryFrames = 0;
  /** The close code, once the socket is closed. */
  closeCode?: number;
  private readonly closed: Promise<void>;
  /** The last `ref` that `ask` gave a frame. */
  private refs = 0;

  private constructor(readonly userId: string, private readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.binaryFrames++;
      }
      this.messages.push(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'));
      this.arrivedAt.push(performance.now());
    });
    ws.on('error', () => undefined);
    this.closed = new Promise<void>((resolve) => ws.once('close', (code) => {
      this.closeCode = code;
      resolve();
    }));
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends a text frame, as a client's message to the API. */
  send(frame: string | object): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a frame and resolves with the next message this client receives (a two-way route's reply), parsed. */
  async request(frame: string | object, timeoutMs = 5_000): Promise<any> {
    const seen = this.messages.length;
    this.send(frame);
    return JSON.parse(await this.nextMessage(seen, timeoutMs));
  }

  /**
   * Sends a frame with a fresh `ref` and resolves with the reply that carries it, parsed: frames that arrive in between
   * (pushed messages, presence frames) are passed over, not taken for the reply.
   */
  async ask(frame: object, timeoutMs = 30_000): Promise<any> {
    const ref = `r${++this.refs}`;
    const seen = this.messages.length;
    this.send({ ...frame, ref });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = this.messages.slice(seen).map((m) => parsed(m)).find((m) => m?.ref === ref);
      if (reply !== undefined) return reply;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for the reply to ${JSON.stringify(frame)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Resolves with the message after the first `seen` ones, once it has arrived. */
  async nextMessage(seen = this.messages.length, timeoutMs = 5_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length <= seen) {
      if (Date.now() > deadline) throw new Error(`no message within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return this.messages[seen];
  }

  /** Closes the socket (a client going away; the emulator runs `$disconnect`). */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(1000);
    }
    await this.closed;
  }

  /** Drops the socket without a close handshake. */
  terminate(): void {
    this.ws.terminate();
  }

  /** Resolves once the socket is closed, from either side. */
  async whenClosed(): Promise<void> {
    await this.closed;
  }
}

/** A received text frame as JSON, or undefined when it is not JSON. */
function parsed(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
