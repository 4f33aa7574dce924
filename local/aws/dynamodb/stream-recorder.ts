import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { KeyLocks } from './key-locks';
import { LocalStream, type StreamUserIdentity, type StreamViewType } from './local-stream';
import { canonical, keyOf, wireItem, type Item, type KeySchema } from './stream-images';
import { appliedWrites, itemWritesOf, WRITE_ACTIONS, type ItemWrite } from './write-requests';
import { localClientConfig } from '../../identity';
import { LOOPBACK } from '../../net';

/** A table whose writes become stream records: its name and key schema, as CreateTable and the template declare them. */
export interface RecordedTable {
  readonly tableName: string;
  readonly keySchema: KeySchema;
  /** The template's `StreamSpecification.StreamViewType`. @default 'NEW_AND_OLD_IMAGES' */
  readonly viewType?: StreamViewType;
}

export interface StreamRecorderOptions {
  /** Tables recorded from the start (more with `record`). */
  readonly tables?: readonly RecordedTable[];
  /** Records kept per stream. @default 100000 */
  readonly maxRecords?: number;
  /** Milliseconds since the epoch, for `ApproximateCreationDateTime`. @default Date.now */
  readonly now?: () => number;
}

/** A delete made by the local system itself (the TTL sweeper), through the recorder. */
export interface RecordedDelete {
  readonly conditionExpression?: string;
  readonly expressionAttributeNames?: Record<string, string>;
  readonly expressionAttributeValues?: Item;
  /** The `REMOVE` record's identity (`TTL_IDENTITY` for an expiry). */
  readonly userIdentity?: StreamUserIdentity;
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * DynamoDB Streams for dynalite, which has none: an HTTP proxy in front of it that turns every write to the tables it
 * records (`PutItem`, `UpdateItem`, `DeleteItem`, `BatchWriteItem`) into stream records, `INSERT` / `MODIFY` /
 * `REMOVE` with their keys and images. For each write it holds the items' keys (writes to one key are recorded in the
 * order they took effect), reads the old images from dynalite, forwards the call untouched, and once dynalite has
 * answered success reads the new images and appends the records to the table's `LocalStream`, before answering the
 * caller (who can read the record as soon as the write returns). A call that fails, a no-op delete and a write that
 * changes nothing write no record, as in DynamoDB. `TransactWriteItems` is forwarded, and dynalite refuses it. Every
 * other call is piped through. Only writes through the proxy are seen: writes straight to dynalite are not recorded.
 */
export class StreamRecorder {
  static async start(target: string, options: StreamRecorderOptions = {}): Promise<StreamRecorder> {
    const recorder = new StreamRecorder(new URL(target), options);
    await new Promise<void>((resolve) => recorder.server.listen(0, LOOPBACK, resolve));
    return recorder;
  }

  /** dynalite itself (for reading images and for the sweeper's scans). */
  readonly client: DynamoDBClient;
  private readonly server: Server;
  private readonly locks = new KeyLocks();
  private readonly recorded = new Map<string, { readonly table: RecordedTable; readonly stream: LocalStream }>();

  private constructor(private readonly target: URL, private readonly options: StreamRecorderOptions) {
    this.client = new DynamoDBClient(localClientConfig(target.origin));
    this.server = createServer((req, res) => void this.handle(req, res));
    for (const table of options.tables ?? []) this.record(table);
  }

  /** Where routes and functions reach DynamoDB (`AWS_ENDPOINT_URL_DYNAMODB`), or what a `DynamoFaults` proxy targets. */
  get endpoint(): string {
    return `http://${LOOPBACK}:${(this.server.address() as AddressInfo).port}`;
  }

  /** Records a table's writes from now on; returns its stream (the same one when it is already recorded). */
  record(table: RecordedTable): LocalStream {
    const existing = this.recorded.get(table.tableName);
    if (existing) return existing.stream;
    const stream = new LocalStream(table.tableName, { viewType: table.viewType, maxRecords: this.options.maxRecords, now: this.options.now });
    this.recorded.set(table.tableName, { table, stream });
    return stream;
  }

  /** A recorded table's stream. */
  stream(tableName: string): LocalStream | undefined {
    return this.recorded.get(tableName)?.stream;
  }

  /**
   * Deletes an item through the recorder, so that its `REMOVE` record carries `userIdentity` (the TTL sweeper's
   * deletes). Resolves to whether it was deleted: `false` when the condition failed (the item changed meanwhile).
   */
  async deleteItem(tableName: string, key: Item, options: RecordedDelete = {}): Promise<boolean> {
    const write = { tableName, key: wireItem(key) };
    return this.changing([write], async () => {
      try {
        await this.client.send(new DeleteItemCommand({
          TableName: tableName,
          Key: key,
          ConditionExpression: options.conditionExpression,
          ExpressionAttributeNames: options.expressionAttributeNames,
          ExpressionAttributeValues: options.expressionAttributeValues,
        }));
        return { result: true, applied: [write] };
      } catch (e) {
        if ((e as Error).name === 'ConditionalCheckFailedException') return { result: false, applied: [] };
        throw e;
      }
    }, options.userIdentity);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.client.destroy();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const action = String(req.headers['x-amz-target'] ?? '').replace(/^DynamoDB_\d+\./, '');
    const writes = WRITE_ACTIONS.has(action) ? itemWritesOf(action, parseJson(body), (name) => this.schemaOf(name)) : [];
    if (writes.length === 0) return this.pipe(req, res, body);
    try {
      const answer = await this.changing(writes, async () => {
        const forwarded = await forward(this.target, req, body);
        if (forwarded.status !== 200) return { result: forwarded, applied: [] };
        const applied = appliedWrites(action, writes, parseJson(forwarded.body), (name) => this.schemaOf(name), (w) => this.lockKey(w));
        return { result: forwarded, applied };
      });
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    } catch (e) {
      if (res.headersSent) return void res.destroy();
      res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: `local stream recorder: ${(e as Error).message}` }));
    }
  }

  /**
   * Runs `write` with the recorded items' keys held: their images read before and, for the writes it applied, after;
   * then appends the records, in `writes`' order.
   */
  private async changing<T>(
    writes: readonly ItemWrite[], write: () => Promise<{ result: T; applied: readonly ItemWrite[] }>, identity?: StreamUserIdentity,
  ): Promise<T> {
    const recorded = writes.filter((w) => this.recorded.has(w.tableName));
    return this.locks.hold(recorded.map((w) => this.lockKey(w)), async () => {
      const before = await Promise.all(recorded.map((w) => this.image(w)));
      const { result, applied } = await write();
      const changed = recorded.filter((w) => applied.includes(w));
      const after = await Promise.all(changed.map((w) => this.image(w)));
      changed.forEach((w, i) => {
        const oldImage = before[recorded.indexOf(w)];
        const newImage = after[i];
        const { table, stream } = this.recorded.get(w.tableName)!;
        stream.append({ keys: keyOf(oldImage ?? newImage, table.keySchema) ?? w.key, oldImage, newImage, userIdentity: identity });
      });
      return result;
    });
  }

  /** The item as it is now in dynalite (a consistent read), in DynamoDB's JSON. */
  private async image(write: ItemWrite): Promise<Item | undefined> {
    const { Item: item } = await this.client.send(new GetItemCommand({ TableName: write.tableName, Key: write.key, ConsistentRead: true }));
    return wireItem(item);
  }

  private schemaOf(tableName: string): KeySchema | undefined {
    return this.recorded.get(tableName)?.table.keySchema;
  }

  private lockKey(write: ItemWrite): string {
    return `${write.tableName}\u0000${canonical(wireItem(write.key))}`;
  }

  private pipe(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const forwarded = request(forwardOptions(this.target, req), (answer) => {
      res.writeHead(answer.statusCode ?? 500, answer.headers);
      answer.pipe(res);
    });
    forwarded.on('error', () => res.destroy());
    forwarded.end(body);
  }
}

function forwardOptions(target: URL, req: IncomingMessage) {
  return { hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } };
}

/** Sends the call on to dynalite and reads its whole answer. */
async function forward(target: URL, req: IncomingMessage, body: Buffer): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const forwarded = request(forwardOptions(target, req), (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => resolve({ status: answer.statusCode ?? 500, headers: answer.headers, body: Buffer.concat(chunks) }));
      answer.on('error', reject);
    });
    forwarded.on('error', reject);
    forwarded.end(body);
  });
}

function parseJson(body: Buffer): any {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
