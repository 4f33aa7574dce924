import { PublishCommand } from '@aws-sdk/client-sns';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { systemDrained } from './drained';
import { startTemplateSources, stopFunctionSources, type FunctionSources, type RunningQueueSource } from './event-sources';
import { startEventBridge, stopEventBridge, type LocalEventBridge } from './eventbridge';
import { TemplateFunctions } from './functions';
import { emitEvent, emitInvocation } from './invocation-activity';
import { lambdaFunctionNames, templateInvokeTarget } from './lambda-functions';
import type { LocalSystemOptions } from './local-system-options';
import { messagingIntegration, pusherQueues, startMessaging, type LocalMessaging, type PusherQueues } from './messaging';
import { baseNames, type MutableNames } from './names';
import { startStreamSources, stopStreamSources, type RunningStreamSource } from './stream-sources';
import { SystemClients } from './system-clients';
import { createTables } from './tables';
import { ENV } from '../../src/shared/constants';
import { ActivityFeed } from '../activity';
import { ApiGatewayEmulator } from '../api-gateway/emulator';
import { tokenIsUserId } from '../api-gateway/routes/authorizers';
import { TemplateRoutes } from '../api-gateway/routes/template-routes';
import { ConnectionsTable } from '../aws/dynamodb/connections-table';
import { LocalDynamoDb } from '../aws/dynamodb/local-dynamodb';
import { LambdaInvokeServer } from '../aws/lambda/invoke-server';
import type { LocalQueue } from '../aws/moto/moto-server';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../identity';
import type { FunctionRunner, Invocation } from '../lambda-runtime/function-runner';
import { BUNDLED_HANDLER } from '../paths';
import { apiRoutes, routeSelectionExpression, stageName } from '../template/api';
import { referencedId, resourcesOfType, type CloudTemplate } from '../template/intrinsics';
import { constructFunctions, onlyPusher, pusherTable, subscribedTopics, type TemplateTable } from '../template/resources';

export type { LocalSystemOptions } from './local-system-options';

/**
 * A synthesized template running on loopback, without an AWS account: its tables on dynalite (with their indexes, their
 * streams and their TTL), its WebSocket API on the API Gateway emulator (every route the template declares), its
 * functions run locally (the construct's own from its bundles) with a local Lambda Invoke endpoint between them, its
 * DynamoDB stream event source mappings, optionally its queues, topics, event buses and rules on moto with every
 * function its SQS event source mappings and `lambda` subscriptions name invoked by local event sources (the pusher, the
 * connection stream function on its presence check queue; the rules' Lambda targets by theirs), and the bundled pusher
 * with the environment the template gives it. What the `local` command, the demo, the e2e tests and the benchmarks all run.
 */
export class LocalSystem extends SystemClients {
  static async start(options: LocalSystemOptions = {}): Promise<LocalSystem> {
    // Required only here, so that running a given template (the local command) never loads aws-cdk-lib.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const template = options.template ?? (require('../template/local-app') as typeof import('../template/local-app')).localAppTemplate(options.app);
    const pusher = options.pusher ?? onlyPusher(template);
    const declared = pusherTable(template, pusher);
    const system = new LocalSystem(template, options, pusher, declared, await LocalDynamoDb.start({
      faults: options.dynamoFaults, ttlSweepIntervalMs: options.ttlSweepIntervalMs,
    }));
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
  /** The template's event buses and rules on moto's EventBridge, with `queues: true`. */
  eventBridge?: LocalEventBridge;
  /** The pusher's event sources, with `queues: true`. */
  sources?: FunctionSources;
  /** The event sources of the template's other functions (SQS mappings, `lambda` subscriptions), with `queues: true`. */
  otherSources: ReadonlyMap<string, FunctionSources> = new Map();
  /** The template's DynamoDB stream event source mappings, running. */
  streamSources: RunningStreamSource[] = [];
  /** Lambda's Invoke API for the functions (`AWS_ENDPOINT_URL_LAMBDA`): a hook invoked by the channels function. */
  lambda?: LambdaInvokeServer;
  /** Everything that happens, as it happens (connections, frames, posts, reports): the command's log and console read it. */
  readonly activity = new ActivityFeed();

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
    const constructOwn = constructFunctions(template); // only the construct's functions' report lines are reports
    this.functions = new TemplateFunctions({
      template,
      names: this.names,
      assembly: options.assembly,
      log: options.log,
      onInvocation: (logicalId, invocation) => {
        emitInvocation(this.activity, logicalId, invocation, constructOwn.has(logicalId));
        if (options.onFunctionInvocation) options.onFunctionInvocation(logicalId, invocation);
        else for (const line of invocation.lines.filter((l) => l.trim())) options.log?.(`  ${logicalId}: ${line}`);
      },
      // Without queues, a variable naming a queue or a topic is left out: the pusher then hands nothing to follow-ups.
      mayLeaveOut: (value) => !this.messaging
        && ['AWS::SQS::Queue', 'AWS::SNS::Topic', 'AWS::Events::EventBus'].includes(template.Resources[referencedId(value) ?? '']?.Type),
      endpoints: () => ({
        dynamodb: dynamodb.endpoint,
        sqs: this.messaging?.moto.endpoint,
        sns: this.messaging?.moto.endpoint,
        eventbridge: this.messaging?.moto.endpoint,
        lambda: this.lambda?.endpoint,
        managementApi: this.emulator?.callbackUrl,
        webSocket: this.emulator?.connectUrl(),
      }),
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

  /** Every SQS event source mapping the system runs (with `queues: true`): the pusher's, then the other functions'. */
  get queueSources(): RunningQueueSource[] {
    return [this.sources, ...this.otherSources.values()].flatMap((s) => s?.sqs ?? []);
  }

  /**
   * Resolves once every event source (queues, EventBridge, streams) is idle and what it reads empty, twice in a row;
   * delayed messages (a presence check's grace period) included, so a `timeoutMs` shorter than the delays rejects.
   */
  async drained(timeoutMs = 60_000): Promise<void> {
    const { messaging, sources } = this;
    const streams = this.streamSources.map((s) => s.source);
    if ((!messaging || !sources) && streams.length === 0) throw new Error('the system runs no queues and no streams');
    const eventBridge = this.eventBridge ? [this.eventBridge.tap, ...this.eventBridge.targets.map((t) => t.source)] : [];
    const all = [sources, ...this.otherSources.values()].filter((s): s is FunctionSources => s !== undefined);
    const queueSide = messaging && sources ? {
      sources: [...this.queueSources.map((s) => s.source), ...all.flatMap((s) => s.sns), ...eventBridge],
      queues: [...this.queueSources.map((s) => s.source.queue), ...all.flatMap((s) => s.sns.map((n) => n.queue)), ...this.eventBridge?.queues ?? []],
      depth: (q: LocalQueue) => messaging.moto.depth(q),
    } : undefined;
    await systemDrained(queueSide, streams, timeoutMs);
  }

  /** Every invocation by the event source of this queue (by role). */
  invocationsFrom(role: keyof PusherQueues): Invocation[] {
    const id = pusherQueues(this.template, this.pusher)[role];
    return this.sources?.sqs.filter((s) => s.queueLogicalId === id).flatMap((s) => s.source.invocations.map((i) => i.invocation)) ?? [];
  }

  /** Stops the event sources first (before the streams and queues they read), then the functions, the servers, DynamoDB. */
  async stop(): Promise<void> {
    await stopStreamSources(this.streamSources);
    await Promise.all([this.sources, ...this.otherSources.values()].map(stopFunctionSources));
    await stopEventBridge(this.eventBridge);
    await this.functions.stop();
    await this.emulator?.stop();
    await this.lambda?.stop();
    this.terminateClients();
    await this.messaging?.moto.stop();
    await this.dynamodb.stop();
  }

  private invoked(logicalId: string, invocation: Invocation): void {
    emitInvocation(this.activity, logicalId, invocation);
    this.options.onInvocation?.(invocation);
  }

  private pusherOverrides(overrides: Record<string, string>): Record<string, string> {
    return { [ENV.CALLBACK_URL]: this.emulator.callbackUrl, ...this.options.pusherOverrides, ...overrides };
  }

  private pusherCode(): string {
    return this.options.pusherCode ?? (process.env.PUSHER_BUNDLE || BUNDLED_HANDLER);
  }

  private async startAll(): Promise<void> {
    this.lambda = await LambdaInvokeServer.start(templateInvokeTarget(this.template, this.functions));
    Object.assign(this.names, lambdaFunctionNames(this.template));
    Object.assign(this.names, await createTables(this.template, this.dynamodb,
      (logicalId) => (logicalId === this.declaredTable.logicalId ? this.table.tableName : logicalId)));
    if (this.options.queues) {
      this.messaging = await startMessaging(this.template);
      Object.assign(this.names, this.messaging.names);
      this.eventBridge = await startEventBridge({
        template: this.template,
        messaging: this.messaging,
        names: this.names,
        load: (logicalId) => this.functions.load(logicalId),
        onEvent: (delivery) => {
          emitEvent(this.activity, delivery);
          this.options.onEvent?.(delivery);
        },
        onInvocation: (logicalId, invocation) => this.functions.report(logicalId, invocation),
        log: this.options.log,
      });
    } else if (resourcesOfType(this.template, 'AWS::Events::Rule').length > 0) {
      this.options.log?.('the template\'s event buses and rules are not run: they run on moto, with queues: true');
    }
    await this.startApi();
    if (this.messaging) {
      const started = await startTemplateSources({
        template: this.template,
        pusher: this.pusher,
        messaging: this.messaging,
        loadPusher: () => this.loadPusher(),
        load: (logicalId) => this.functions.load(logicalId),
        maxConcurrency: this.options.maxEventSourceConcurrency,
        onInvocation: (invocation, logicalId) => this.invoked(logicalId, invocation),
      });
      this.sources = started.pusher;
      this.otherSources = started.others;
    }
    this.streamSources = await startStreamSources({
      template: this.template,
      dynamodb: this.dynamodb,
      names: this.names,
      messaging: this.messaging,
      load: (logicalId) => this.functions.load(logicalId),
      onInvocation: (mapping, { invocation }) => this.invoked(mapping.functionLogicalId, invocation),
      log: this.options.log,
    });
  }

  private async startApi(): Promise<void> {
    const stage = stageName(this.template) ?? 'local';
    this.routes = new TemplateRoutes({
      routes: apiRoutes(this.template),
      routeSelectionExpression: routeSelectionExpression(this.template),
      dynamodb: { endpoint: this.dynamodb.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, names: this.names },
      messaging: this.messaging && messagingIntegration(this.messaging, this.names),
      authorizer: this.options.authorizer ?? tokenIsUserId,
      invokeFunction: this.options.invokeFunction ?? ((logicalId, event) => this.functions.invoke(logicalId, event)),
      onFrame: (frame) => this.activity.emit({ kind: 'frame', ...frame }),
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
      activity: this.activity,
      httpHandler: this.options.httpHandler,
    });
  }
}
