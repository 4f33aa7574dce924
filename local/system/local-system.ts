import { PublishCommand } from '@aws-sdk/client-sns';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { startFunctionSources, stopFunctionSources, type FunctionSources } from './event-sources';
import { TemplateFunctions } from './functions';
import { pusherQueues, startMessaging, type LocalMessaging, type PusherQueues } from './messaging';
import { baseNames, tableNames, type MutableNames } from './names';
import { SystemClients } from './system-clients';
import { ENV } from '../../src/shared/constants';
import { ApiGatewayEmulator, type EmulatorOptions } from '../api-gateway/emulator';
import { tokenIsUserId, type LocalAuthorizer } from '../api-gateway/routes/authorizers';
import type { InvokeFunction } from '../api-gateway/routes/integrations/lambda-proxy';
import { TemplateRoutes } from '../api-gateway/routes/template-routes';
import { ConnectionsTable } from '../aws/dynamodb/connections-table';
import { LocalDynamoDb } from '../aws/dynamodb/local-dynamodb';
import type { LocalQueue } from '../aws/moto/moto-server';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../identity';
import { drained } from '../lambda-runtime/event-sources/sqs-event-source';
import type { FunctionRunner, Invocation } from '../lambda-runtime/function-runner';
import { BUNDLED_HANDLER } from '../paths';
import { apiRoutes, routeSelectionExpression, stageName } from '../template/api';
import { referencedId, resourcesOfType, type CloudTemplate } from '../template/intrinsics';
import type { LocalAppOptions } from '../template/local-app';
import { onlyPusher, pusherTable, subscribedTopics, tables, type TemplateTable } from '../template/resources';

export interface LocalSystemOptions {
  /** The synthesized template the system runs. @default the template of `localAppTemplate(app)` */
  readonly template?: CloudTemplate;
  /** The app to synthesize when no `template` is given. @default a pusher with `connectionRoutes` from the authorizer */
  readonly app?: LocalAppOptions;
  /** The cloud assembly the template comes from: where its other functions' code is staged (authorizers, routes). */
  readonly assembly?: { readonly dir: string; readonly stackName: string };
  /** The pusher function's logical id. @default the template's one pusher */
  readonly pusher?: string;
  /** The pusher's code. @default `PUSHER_BUNDLE`, or the bundle the package ships */
  readonly pusherCode?: string;
  /** The connections table's local name. @default 'connections' */
  readonly tableName?: string;
  /** Seeds connection ids and fault sampling. @default 1 */
  readonly seed?: number;
  /** The emulator's port (WebSocket and Management API). @default any free port */
  readonly port?: number;
  /** When set, virtual connections' rows are written with an expiry this many seconds after connecting. */
  readonly ttlSeconds?: number;
  /** The local stand-in for the `$connect` authorizer. @default `tokenIsUserId` (`?token=<user id>`) */
  readonly authorizer?: LocalAuthorizer;
  /** Runs a function a route integrates with (your own `$connect`). @default the template's function, from `assembly` */
  readonly invokeFunction?: InvokeFunction;
  /** Serves the WebSocket and Management API over TLS with this certificate (see `EmulatorOptions.tls`). */
  readonly tls?: EmulatorOptions['tls'];
  /** API Gateway's connection limits (2 hours, 10 minutes idle), shortened for a test. */
  readonly connectionLimits?: EmulatorOptions['limits'];
  /** A `DynamoFaults` proxy in front of dynalite for the routes and the functions (`system.dynamodb.faults`). */
  readonly dynamoFaults?: boolean;
  /**
   * Runs the template's queues and topics on moto, and invokes the pusher from them as its event source mappings and
   * subscriptions say. Without them the pusher is invoked directly (`loadPusher().invoke(event)`), and its variables
   * naming queues are left out (it then hands nothing to follow-ups). @default false
   */
  readonly queues?: boolean;
  /**
   * The most execution environments an SQS event source runs (with `queues: true`): each runs its mapping's
   * `ScalingConfig.MaximumConcurrency` (2 without one) up to this cap. Lambda scales further; a laptop need not, but a
   * benchmark of many workers does. @default 4
   */
  readonly maxEventSourceConcurrency?: number;
  /**
   * Environment overrides of every execution environment of the pusher (its event sources' and `loadPusher`'s), for
   * what is not a prop (e.g. `RETRY_BASE_DELAY_MS`); a prop belongs in the template. @default none
   */
  readonly pusherOverrides?: Record<string, string>;
  /** Where function output and per-invocation lines go. @default dropped */
  readonly log?: (line: string) => void;
  /** Called after each invocation by an event source. */
  readonly onInvocation?: (invocation: Invocation) => void;
}

/**
 * A synthesized template running on loopback, without an AWS account: its tables on dynalite, its WebSocket API on the
 * API Gateway emulator (the `$connect` / `$disconnect` routes the template declares), optionally its queues and topics
 * on moto with the pusher invoked by local event sources, and the bundled pusher with the environment the template
 * gives it. What the `local` command, the demo, the e2e tests and the benchmarks all run.
 */
export class LocalSystem extends SystemClients {
  static async start(options: LocalSystemOptions = {}): Promise<LocalSystem> {
    // Required only here, so that running a given template (the local command) never loads aws-cdk-lib.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const template = options.template ?? (require('../template/local-app') as typeof import('../template/local-app')).localAppTemplate(options.app);
    const pusher = options.pusher ?? onlyPusher(template);
    const declared = pusherTable(template, pusher);
    const system = new LocalSystem(template, options, pusher, declared, await LocalDynamoDb.start({ faults: options.dynamoFaults }));
    try {
      await system.startAll();
    } catch (error) {
      await system.stop();
      throw error;
    }
    return system;
  }

  readonly table: ConnectionsTable;
  /** What the template's `Ref` / `Fn::GetAtt` and pseudo parameters resolve to here. */
  readonly names: MutableNames;
  readonly functions: TemplateFunctions;
  /** The template's `$connect` / `$disconnect` routes, as the emulator runs them (`failures` tells what they refused). */
  routes!: TemplateRoutes;
  emulator!: ApiGatewayEmulator;
  /** The queues and topics, with `queues: true`. */
  messaging?: LocalMessaging;
  /** The pusher's event sources, with `queues: true`. */
  sources?: FunctionSources;

  private constructor(
    readonly template: CloudTemplate,
    private readonly options: LocalSystemOptions,
    /** The pusher function's logical id. */
    readonly pusher: string,
    private readonly declaredTable: TemplateTable,
    readonly dynamodb: LocalDynamoDb,
  ) {
    super();
    this.table = new ConnectionsTable(dynamodb.client, options.tableName ?? 'connections', {
      userIdAttribute: declaredTable.userIdAttribute, connectionIdAttribute: declaredTable.connectionIdAttribute, ttlAttribute: declaredTable.ttlAttribute ?? '',
    });
    this.names = baseNames(resourcesOfType(template, 'AWS::ApiGatewayV2::Api').map(([id]) => id));
    this.functions = new TemplateFunctions({
      template,
      names: this.names,
      assembly: options.assembly,
      log: options.log,
      // Without queues, a variable naming a queue or a topic is left out: the pusher then hands nothing to follow-ups.
      mayLeaveOut: (value) => !this.messaging && ['AWS::SQS::Queue', 'AWS::SNS::Topic'].includes(template.Resources[referencedId(value) ?? '']?.Type),
      endpoints: () => ({ dynamodb: dynamodb.endpoint, sqs: this.messaging?.moto.endpoint, sns: this.messaging?.moto.endpoint }),
    });
  }

  /** The DynamoDB endpoint the routes and the functions use (`AWS_ENDPOINT_URL_DYNAMODB`). */
  get dynamoEndpoint(): string {
    return this.dynamodb.endpoint;
  }

  /** The pusher's queues by role (logical ids resolved to the local queues, with `queues: true`). */
  get pusherQueues(): { readonly [K in keyof PusherQueues]?: LocalQueue } {
    const ids = pusherQueues(this.template, this.pusher);
    const queue = (id?: string) => (id ? this.messaging?.queues.get(id) : undefined);
    return { requests: queue(ids.requests), work: queue(ids.work), workDeadLetter: queue(ids.workDeadLetter) };
  }

  /** The pusher's environment as the template sets it, pointed at this system; `overrides` win. */
  pusherEnv(overrides: Record<string, string> = {}): Record<string, string> {
    return this.functions.environment(this.pusher, this.pusherOverrides(overrides)).env;
  }

  /** A new execution environment of the pusher (a cold start), with its template environment and `overrides`. */
  async loadPusher(overrides: Record<string, string> = {}): Promise<FunctionRunner> {
    return this.functions.load(this.pusher, this.pusherOverrides(overrides), { file: this.pusherCode(), exportName: 'handler' });
  }

  /** Sends a message to one of the pusher's queues (with `queues: true`): a request to its request queue by default. */
  async sendToQueue(body: object | string, options: { role?: keyof PusherQueues; groupId?: string; deduplicationId?: string } = {}): Promise<void> {
    const queue = this.pusherQueues[options.role ?? 'requests'];
    if (!queue) throw new Error(`the system runs no ${options.role ?? 'requests'} queue: start it with queues: true`);
    await this.messaging!.moto.client.send(new SendMessageCommand({
      QueueUrl: queue.url,
      MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
      MessageGroupId: options.groupId,
      MessageDeduplicationId: options.deduplicationId,
    }));
  }

  /** The topic the pusher is subscribed to (with `queues: true`), as its ARN. */
  get pusherTopic(): string | undefined {
    const [topic] = subscribedTopics(this.template, this.pusher);
    return topic === undefined ? undefined : this.messaging?.topics.get(topic);
  }

  /** Publishes a request to the pusher's topic (with `queues: true`). */
  async publishToTopic(body: object | string): Promise<void> {
    const topicArn = this.pusherTopic;
    if (!topicArn) throw new Error('the system runs no topic of the pusher: start it with queues: true');
    await this.messaging!.moto.sns.send(new PublishCommand({ TopicArn: topicArn, Message: typeof body === 'string' ? body : JSON.stringify(body) }));
  }

  /**
   * Resolves once the pusher's event sources are idle and the queues they read are empty (nothing left for the pusher
   * to do; dead-letter queues are not read), twice in a row.
   */
  async drained(timeoutMs = 60_000): Promise<void> {
    const { messaging, sources } = this;
    if (!messaging || !sources) throw new Error('the system runs no queues');
    const queues = [...sources.sqs.map((s) => s.source.queue), ...sources.sns.map((s) => s.queue)];
    await drained([...sources.sqs.map((s) => s.source), ...sources.sns], queues, (q) => messaging.moto.depth(q), timeoutMs);
  }

  /** Every invocation by the event source of this queue (by role). */
  invocationsFrom(role: keyof PusherQueues): Invocation[] {
    const id = pusherQueues(this.template, this.pusher)[role];
    return this.sources?.sqs.filter((s) => s.queueLogicalId === id).flatMap((s) => s.source.invocations.map((i) => i.invocation)) ?? [];
  }

  async stop(): Promise<void> {
    await stopFunctionSources(this.sources);
    await this.functions.stop();
    await this.emulator?.stop();
    this.terminateClients();
    await this.messaging?.moto.stop();
    await this.dynamodb.stop();
  }

  private pusherOverrides(overrides: Record<string, string>): Record<string, string> {
    return { [ENV.CALLBACK_URL]: this.emulator.callbackUrl, ...this.options.pusherOverrides, ...overrides };
  }

  private pusherCode(): string {
    return this.options.pusherCode ?? (process.env.PUSHER_BUNDLE || BUNDLED_HANDLER);
  }

  private async startAll(): Promise<void> {
    for (const spec of tables(this.template)) {
      const tableName = spec.logicalId === this.declaredTable.logicalId ? this.table.tableName : spec.logicalId;
      await this.dynamodb.createTable({ tableName, keySchema: spec.keySchema, attributeDefinitions: spec.attributeDefinitions });
      Object.assign(this.names, tableNames(spec.logicalId, tableName));
    }
    if (this.options.queues) {
      this.messaging = await startMessaging(this.template);
      Object.assign(this.names, this.messaging.names);
    }
    await this.startApi();
    if (this.messaging) {
      this.sources = await startFunctionSources({
        template: this.template,
        functionLogicalId: this.pusher,
        messaging: this.messaging,
        load: () => this.loadPusher(),
        maxConcurrency: this.options.maxEventSourceConcurrency,
        onInvocation: this.options.onInvocation,
      });
    }
  }

  private async startApi(): Promise<void> {
    const stage = stageName(this.template) ?? 'local';
    this.routes = new TemplateRoutes({
      routes: apiRoutes(this.template),
      routeSelectionExpression: routeSelectionExpression(this.template),
      dynamodb: { endpoint: this.dynamodb.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, names: this.names },
      authorizer: this.options.authorizer ?? tokenIsUserId,
      invokeFunction: this.options.invokeFunction ?? ((logicalId, event) => this.functions.invoke(logicalId, event)),
      stage,
      apiId: 'local',
    });
    this.emulator = await ApiGatewayEmulator.start({
      routes: this.routes,
      seeds: this.table,
      stage,
      port: this.options.port,
      seed: this.options.seed,
      ttlSeconds: this.options.ttlSeconds,
      signing: { credentials: LOCAL_CREDENTIALS, region: LOCAL_REGION },
      tls: this.options.tls,
      limits: this.options.connectionLimits,
    });
  }
}
