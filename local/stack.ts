/// <reference path="./dynalite.d.ts" />
import type { Server } from 'http';
import type { AddressInfo } from 'net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { RecordingClient, type ConnectOptions } from './client';
import { connectionRoutes, pusherTable, type CloudTemplate } from './cloud-template';
import { ConnectionsTable, type ConnectionRow, type TableSchema } from './connections-table';
import { DynamoFaults } from './dynamo-faults';
import { ApiGatewayEmulator, type EmulatorOptions, type Faults, type VirtualConnection } from './emulator';
import { LOCAL_REGION } from './events';
import { BUNDLED_HANDLER, HandlerRunner } from './handler-runner';
import type { LocalAppOptions } from './local-app';
import { TemplateRoutes, tokenIsUserId, type LocalAuthorizer, type TemplateRoutesOptions } from './routes';
import { ENV } from '../src/shared/constants';

export interface LocalStackOptions {
  /** @default 'connections' */
  readonly tableName?: string;
  /**
   * A synthesized template whose pusher table and `$connect` / `$disconnect` routes the stack runs.
   * @default the template of `localAppTemplate(app)`
   */
  readonly template?: CloudTemplate;
  /** The app to synthesize when no `template` is given. @default a pusher with `connectionRoutes` from the authorizer */
  readonly app?: LocalAppOptions;
  /** The table's attribute names in the synthesized app (a given `template` declares its own). */
  readonly schema?: TableSchema;
  /** API Gateway stage name. @default 'local' */
  readonly stage?: string;
  /** Seeds connection ids and fault sampling. @default 1 */
  readonly seed?: number;
  /** The emulator's port (WebSocket and Management API). @default any free port */
  readonly port?: number;
  /** When set, virtual connections' rows are written with an expiry this many seconds after connecting. */
  readonly ttlSeconds?: number;
  /**
   * The local stand-in for the `$connect` authorizer. @default `tokenIsUserId`: `{ principalId }` from `?token=`
   */
  readonly authorizer?: LocalAuthorizer;
  /** Runs a Lambda function of the template a route integrates with (your own `$connect`); see `TemplateRoutes`. */
  readonly invokeFunction?: TemplateRoutesOptions['invokeFunction'];
  /** Serves the WebSocket and Management API over TLS with this certificate (see `EmulatorOptions.tls`). */
  readonly tls?: EmulatorOptions['tls'];
  /**
   * Puts a `DynamoFaults` proxy in front of dynalite: the routes and the handler reach DynamoDB through it, so a test
   * can make chosen calls fail (`stack.dynamoFaults`). @default false
   */
  readonly dynamoFaults?: boolean;
}

/** The account id in every local ARN. */
export const LOCAL_ACCOUNT = '000000000000';

/** The template's pseudo parameters, as the local stack resolves them. */
export const LOCAL_PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws',
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
};

/** A template table's `Ref` and `Fn::GetAtt Arn`, for a local table of this name. */
export function localTableNames(logicalId: string, tableName: string): Record<string, string> {
  return { [logicalId]: tableName, [`${logicalId}.Arn`]: `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${tableName}` };
}

/**
 * Credentials the local stack hands to the handler and every SDK client. dynalite accepts anything signed; the
 * emulator checks every Management API signature against these and `LOCAL_REGION`.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Everything the pusher needs, on loopback and without an AWS account: dynalite with the connections table,
 * the API Gateway WebSocket emulator, real `ws` clients, and the bundled handler in a worker.
 */
export class LocalStack {
  static async start(options: LocalStackOptions = {}): Promise<LocalStack> {
    const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve, reject) => {
      dynamo.once('error', reject);
      dynamo.listen(0, '127.0.0.1', () => resolve());
    });
    const dynaliteEndpoint = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;
    const faults = options.dynamoFaults ? await DynamoFaults.start(dynaliteEndpoint) : undefined;
    const dynamoEndpoint = faults?.endpoint ?? dynaliteEndpoint;
    const client = new DynamoDBClient({ endpoint: dynaliteEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    // Required only here, so that running a given template (the local command) never loads aws-cdk-lib.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const template = options.template ?? (require('./local-app') as typeof import('./local-app'))
      .localAppTemplate({ schema: options.schema, stageName: options.stage, ...options.app });
    const declared = pusherTable(template);
    const tableName = options.tableName ?? 'connections';
    const table = new ConnectionsTable(client, tableName, {
      userIdAttribute: declared.userIdAttribute,
      connectionIdAttribute: declared.connectionIdAttribute,
      ttlAttribute: declared.ttlAttribute ?? '',
    });
    await table.create();
    const names = { ...LOCAL_PSEUDO_PARAMETERS, ...localTableNames(declared.logicalId, tableName) };
    const routes = new TemplateRoutes({
      routes: connectionRoutes(template),
      names,
      dynamoEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      authorizer: options.authorizer ?? tokenIsUserId,
      invokeFunction: options.invokeFunction,
      stage: options.stage ?? 'local',
      apiId: 'local',
    });
    const emulator = await ApiGatewayEmulator.start({
      lifecycle: routes,
      seeds: table,
      stage: options.stage,
      port: options.port,
      seed: options.seed,
      ttlSeconds: options.ttlSeconds,
      signing: { credentials: LOCAL_CREDENTIALS, region: LOCAL_REGION },
      tls: options.tls,
    });
    return new LocalStack(dynamo, dynamoEndpoint, client, table, emulator, routes, names, faults);
  }

  /** Every real client connected through this stack, in connection order. */
  readonly clients: RecordingClient[] = [];
  private readonly runners: HandlerRunner[] = [];

  private constructor(
    private readonly dynamo: Server,
    /** The DynamoDB endpoint the routes and the handler use (`AWS_ENDPOINT_URL_DYNAMODB`): dynalite, or its faults proxy. */
    readonly dynamoEndpoint: string,
    private readonly dynamoClient: DynamoDBClient,
    readonly table: ConnectionsTable,
    readonly emulator: ApiGatewayEmulator,
    /** The template's `$connect` / `$disconnect` routes, as the emulator runs them (`failures` tells what DynamoDB refused). */
    readonly routes: TemplateRoutes,
    /** What the template's `Ref` / `Fn::GetAtt` of the connections table and its pseudo parameters resolve to here. */
    readonly names: Readonly<Record<string, string>>,
    /** The proxy that fails chosen DynamoDB calls (with `dynamoFaults: true`). */
    readonly dynamoFaults?: DynamoFaults,
  ) {}

  /** Connects `count` real WebSocket clients for a user; resolves once each one's row is written. */
  async connect(userId: string, count = 1): Promise<RecordingClient[]> {
    const clients: RecordingClient[] = [];
    for (let i = 0; i < count; i++) {
      clients.push(await RecordingClient.connect(this.emulator.connectUrl(), userId));
    }
    this.clients.push(...clients);
    return clients;
  }

  /**
   * Connects one real client with this query string and these headers (e.g. `{ query: { token } }` for the
   * authorizer stand-in); `label` is the user the test expects it to be. Resolves once `$connect` has run.
   */
  async open(label: string, request: ConnectOptions = {}): Promise<RecordingClient> {
    const client = await RecordingClient.open(this.emulator.connectUrl(), label, request);
    this.clients.push(client);
    return client;
  }

  /** Connects users with several connections each, e.g. `{ alice: 2, bob: 3 }`. */
  async connectUsers(spec: Record<string, number>): Promise<Record<string, RecordingClient[]>> {
    const result: Record<string, RecordingClient[]> = {};
    for (const [userId, count] of Object.entries(spec)) {
      result[userId] = await this.connect(userId, count);
    }
    return result;
  }

  /** Connects many real clients concurrently (a few hundred handshakes at a time). */
  async connectMany(userIds: readonly string[], concurrency = 200): Promise<RecordingClient[]> {
    const clients: RecordingClient[] = new Array(userIds.length);
    let next = 0;
    const worker = async () => {
      while (next < userIds.length) {
        const i = next++;
        clients[i] = await RecordingClient.connect(this.emulator.connectUrl(), userIds[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, userIds.length) }, worker));
    this.clients.push(...clients);
    return clients;
  }

  /** Connects virtual clients (a row and an in-memory receiver, no socket): for tens of thousands of connections. */
  async connectVirtual(userIds: readonly string[], options: { keepMessages?: boolean } = {}): Promise<VirtualConnection[]> {
    return this.emulator.connectVirtualMany(userIds, options);
  }

  /** Writes a row for a connection API Gateway no longer knows (one whose `$disconnect` never ran). */
  async putStaleRow(userId: string, connectionId = this.emulator.nextConnectionId()): Promise<ConnectionRow> {
    const row = { userId, connectionId };
    await this.table.put(row);
    return row;
  }

  /** Makes a connected client's connection vanish without its row being deleted; resolves once its socket is closed. */
  async makeStale(client: RecordingClient): Promise<void> {
    this.emulator.makeStale(client.connectionId);
    await client.whenClosed();
  }

  /** Closes a client like a user leaving; resolves once `$disconnect` has deleted its row. */
  async disconnect(client: RecordingClient): Promise<void> {
    const gone = this.emulator.disconnected(client.connectionId);
    await client.close();
    await gone;
  }

  setFaults(faults: Faults): void {
    this.emulator.setFaults(faults);
  }

  /** All rows of the connections table, sorted by user then connection id. */
  async rows(): Promise<ConnectionRow[]> {
    return this.table.scan();
  }

  /** The key (user id, connection id) of every row, sorted by user then connection id. */
  async keys(): Promise<Array<{ userId: string; connectionId: string }>> {
    return (await this.rows()).map(({ userId, connectionId }) => ({ userId, connectionId }));
  }

  /** The pusher's environment, as the construct sets it, pointed at this stack. */
  handlerEnv(overrides: Record<string, string> = {}): Record<string, string> {
    const { schema } = this.table;
    return {
      [ENV.TABLE_NAME]: this.table.tableName,
      [ENV.USER_ID_ATTRIBUTE]: schema.userIdAttribute,
      [ENV.CONNECTION_ID_ATTRIBUTE]: schema.connectionIdAttribute,
      [ENV.TTL_ATTRIBUTE]: schema.ttlAttribute,
      [ENV.CALLBACK_URL]: this.emulator.callbackUrl,
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: this.dynamoEndpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_LAMBDA_FUNCTION_NAME: 'websocket-pusher',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      // Lambda runs the function on Node.js 22: the SDK's notice about older Node.js versions is noise here.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_SERVICE_NAME: 'websocket-pusher',
      POWERTOOLS_METRICS_NAMESPACE: 'WebsocketPusher',
      TZ: 'UTC',
      ...overrides,
    };
  }

  /**
   * Loads the bundled handler (a cold start) configured only through its environment. `PUSHER_BUNDLE` points
   * the stack at another build of the handler (e.g. to compare two versions); the shipped asset by default.
   */
  async loadHandler(overrides: Record<string, string> = {}): Promise<HandlerRunner> {
    const runner = await HandlerRunner.load(this.handlerEnv(overrides), process.env.PUSHER_BUNDLE || BUNDLED_HANDLER);
    this.runners.push(runner);
    return runner;
  }

  /**
   * Resolves once every live client has received every message the emulator wrote to it. Call it after the
   * handler returned (all its POSTs are answered by then), before asserting what clients received.
   */
  async deliveries(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const behind = this.clients.filter((c) => c.isOpen && c.messages.length < this.emulator.sentTo(c.connectionId));
      if (behind.length === 0) {
        return;
      }
      if (Date.now() > deadline) {
        throw new Error(`${behind.length} clients still waiting for messages the emulator sent`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Stops the handlers, closes every client, the emulator and dynalite. */
  async stop(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
    await this.emulator.stop();
    for (const client of this.clients) {
      client.terminate();
    }
    this.dynamoClient.destroy();
    await this.dynamoFaults?.stop();
    await new Promise<void>((resolve) => {
      this.dynamo.close(() => resolve());
      this.dynamo.closeAllConnections();
    });
  }
}
