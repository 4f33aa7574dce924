import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { findPushers, functionCode, UsageError, type AssemblyPusher } from './assembly';
import { connectionRoutes, pusherTable, resolveIntrinsics, type CloudTemplate } from './cloud-template';
import { LOCAL_REGION } from './events';
import { HandlerRunner, type Invocation } from './handler-runner';
import { FunctionError, lambdaAuthorizerVerdict } from './lambda-authorizer';
import { tokenIsUserId, type LocalAuthorizer } from './routes';
import { SqsEventSource } from './sqs-event-source';
import { SqsServer, type LocalQueue } from './sqs-server';
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LocalStack, localTableNames } from './stack';
import { ENV } from '../src/shared/constants';

export interface LocalRunOptions {
  /** The cloud assembly directory. @default 'cdk.out' */
  readonly app?: string;
  readonly stack?: string;
  /** The WebSocket and Management API port. @default 8080 */
  readonly port?: number;
  /** Where the per-request lines go. @default console.log */
  readonly log?: (line: string) => void;
  /**
   * `stand-in` (the default): `?token=<user id>` is believed. `assembly`: the `$connect` route's Lambda authorizer from
   * the assembly runs (a Node.js function), and its answer decides.
   */
  readonly authorizer?: 'stand-in' | 'assembly';
}


/**
 * A synthesized app's pusher on loopback: dynalite with its tables, the API Gateway emulator running its routes, moto's
 * SQS and SNS with its queues and topics, and the staged handler invoked by local event sources, as Lambda's would.
 */
export class LocalRun {
  static async start(options: LocalRunOptions = {}): Promise<LocalRun> {
    const app = options.app ?? 'cdk.out';
    const [pusher, ...others] = findPushers(app, options.stack);
    const run = new LocalRun(app, pusher, options.log ?? ((line) => console.log(line)), others.length);
    try {
      await run.startAll(options.port ?? 8080, options.authorizer ?? 'stand-in');
    } catch (error) {
      await run.stop();
      throw error;
    }
    return run;
  }

  /** Logical id → local name (`Ref`), `id.Attr` → value (`Fn::GetAtt`), pseudo parameters. */
  readonly names: Record<string, string> = {};
  readonly queues = new Map<string, LocalQueue>();
  readonly topics = new Map<string, string>();
  stack?: LocalStack;
  moto?: SqsServer;
  /** Who decides `$connect`: the token stand-in, or the assembly's Lambda authorizer. */
  authorizer: 'stand-in' | 'assembly' = 'stand-in';
  private readonly sources: SqsEventSource[] = [];
  private readonly runners: HandlerRunner[] = [];
  private readonly pollers: Array<{ stop: () => Promise<void> }> = [];
  /** The assembly's other functions the routes run (your own `$connect`, a Lambda authorizer), loaded once each. */
  private readonly functions = new Map<string, Promise<HandlerRunner>>();

  private constructor(private readonly app: string, readonly pusher: AssemblyPusher, private readonly log: (line: string) => void,
    readonly otherPushers: number) {}

  get template(): CloudTemplate {
    return this.pusher.template;
  }

  /** The environment a backend sets to publish to the local queue and topic with the AWS SDK. */
  backendEnv(): Record<string, string> {
    return {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_SQS: this.moto!.endpoint,
      AWS_ENDPOINT_URL_SNS: this.moto!.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: this.stack!.dynamoEndpoint,
    };
  }

  /** The source queue and topic of the pusher (what its event source mapping and subscription read). */
  publishTargets(): { queueUrl?: string; topicArn?: string } {
    const mapping = this.resources('AWS::Lambda::EventSourceMapping').find(([, r]) => !this.isWorkQueueMapping(r));
    const queueId = mapping?.[1].Properties.EventSourceArn?.['Fn::GetAtt']?.[0];
    const subscription = this.resources('AWS::SNS::Subscription').find(([, r]) => r.Properties.Protocol === 'lambda');
    const topicId = subscription?.[1].Properties.TopicArn?.Ref;
    return { queueUrl: queueId && this.queues.get(queueId)?.url, topicArn: topicId && this.topics.get(topicId) };
  }

  async stop(): Promise<void> {
    await Promise.all([...this.sources.map((s) => s.stop()), ...this.pollers.map((p) => p.stop())]);
    await Promise.all(this.runners.map((r) => r.stop()));
    await this.stack?.stop();
    await this.moto?.stop();
  }

  private async startAll(port: number, authorizer: 'stand-in' | 'assembly'): Promise<void> {
    this.authorizer = authorizer;
    const stage = this.resources('AWS::ApiGatewayV2::Stage')[0]?.[1].Properties.StageName ?? 'local';
    const table = pusherTable(this.template);
    this.stack = await LocalStack.start({
      template: this.template,
      port,
      stage,
      tableName: table.logicalId,
      authorizer: authorizer === 'assembly' ? this.assemblyAuthorizer() : tokenIsUserId,
      invokeFunction: async (logicalId, event) => (await this.invokeFunction(logicalId, event)) as { statusCode?: number },
    });
    Object.assign(this.names, this.stack.names);
    for (const [id] of this.resources('AWS::ApiGatewayV2::Api')) this.names[id] = 'local';
    await this.createOtherTables(table.logicalId);
    this.moto = await SqsServer.start();
    await this.createQueues();
    await this.createTopics();
    const env = this.handlerEnv();
    await this.startEventSources(env);
    await this.startSubscriptions(env);
  }

  private resources(type: string): Array<[string, any]> {
    return Object.entries(this.template.Resources).filter(([, r]) => r.Type === type);
  }

  /** Every other table of the template (the deduplication table), as it declares it. */
  private async createOtherTables(connectionsTable: string): Promise<void> {
    const client = new DynamoDBClient({ endpoint: this.stack!.dynamoEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    try {
      for (const [id, r] of this.resources('AWS::DynamoDB::Table').filter(([tableId]) => tableId !== connectionsTable)) {
        await client.send(new CreateTableCommand({
          TableName: id, KeySchema: r.Properties.KeySchema, AttributeDefinitions: r.Properties.AttributeDefinitions, BillingMode: 'PAY_PER_REQUEST',
        }));
        Object.assign(this.names, localTableNames(id, id));
      }
    } finally {
      client.destroy();
    }
  }

  /** The template's queues, dead-letter queues first, with their redrive policies and visibility timeouts. */
  private async createQueues(): Promise<void> {
    const pending = this.resources('AWS::SQS::Queue');
    while (pending.length > 0) {
      const index = pending.findIndex(([, r]) => {
        const dlq = r.Properties?.RedrivePolicy?.deadLetterTargetArn?.['Fn::GetAtt']?.[0];
        return !dlq || this.queues.has(dlq);
      });
      if (index < 0) throw new UsageError(`the template's queues ${pending.map(([id]) => id).join(', ')} have dead-letter queues the local command cannot find`);
      const [[id, r]] = pending.splice(index, 1);
      const props = r.Properties ?? {};
      const dlq = props.RedrivePolicy?.deadLetterTargetArn?.['Fn::GetAtt']?.[0];
      const queue = await this.moto!.createQueue(props.FifoQueue ? `${id}.fifo` : id, {
        visibilityTimeoutSeconds: props.VisibilityTimeout ?? 30,
        ...(props.FifoQueue ? { fifo: { contentBasedDeduplication: props.ContentBasedDeduplication } } : {}),
        ...(dlq ? { deadLetter: { queue: this.queues.get(dlq)!, maxReceiveCount: props.RedrivePolicy.maxReceiveCount } } : {}),
      });
      this.queues.set(id, queue);
      Object.assign(this.names, { [id]: queue.url, [`${id}.Arn`]: queue.arn, [`${id}.QueueName`]: queue.name, [`${id}.QueueUrl`]: queue.url });
    }
  }

  private async createTopics(): Promise<void> {
    const sns = this.snsClient();
    try {
      for (const [id] of this.resources('AWS::SNS::Topic')) {
        const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: id }));
        this.topics.set(id, TopicArn!);
        Object.assign(this.names, { [id]: TopicArn!, [`${id}.TopicArn`]: TopicArn!, [`${id}.TopicName`]: id });
      }
    } finally {
      sns.destroy();
    }
  }

  /** The function's environment as the template sets it, resolved to the local endpoints, plus the local stack's. */
  private handlerEnv(): Record<string, string> {
    const fn = this.template.Resources[this.pusher.functionLogicalId].Properties;
    return this.functionEnv(this.pusher.functionLogicalId, {
      [ENV.TABLE_NAME]: this.stack!.table.tableName,
      [ENV.CALLBACK_URL]: this.stack!.emulator.callbackUrl,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.MemorySize ?? 128),
    });
  }

  /** A function's environment as the template sets it, resolved to the local names, with the local endpoints. */
  private functionEnv(logicalId: string, overrides: Record<string, string> = {}): Record<string, string> {
    const variables = resolveIntrinsics(this.template.Resources[logicalId].Properties.Environment?.Variables ?? {}, this.names, `${logicalId} environment`);
    const endpoints = { AWS_ENDPOINT_URL_SQS: this.moto!.endpoint, AWS_ENDPOINT_URL_SNS: this.moto!.endpoint };
    return this.stack!.handlerEnv({ ...variables, ...endpoints, ...overrides });
  }

  private isWorkQueueMapping(r: any): boolean {
    const fn = this.template.Resources[this.pusher.functionLogicalId].Properties;
    const work = fn.Environment?.Variables?.[ENV.WORK_QUEUE_ARN]?.['Fn::GetAtt']?.[0];
    return r.Properties.EventSourceArn?.['Fn::GetAtt']?.[0] === work;
  }

  /** One local event source per SQS event source mapping of the pusher: its batch size and concurrency. */
  private async startEventSources(env: Record<string, string>): Promise<void> {
    const timeoutMs = (this.template.Resources[this.pusher.functionLogicalId].Properties.Timeout ?? 3) * 1000;
    for (const [id, r] of this.resources('AWS::Lambda::EventSourceMapping')) {
      if (r.Properties.FunctionName?.Ref !== this.pusher.functionLogicalId) continue;
      const queue = this.queues.get(r.Properties.EventSourceArn?.['Fn::GetAtt']?.[0]);
      if (!queue) throw new UsageError(`${id}: its event source is not a queue of this template`);
      const concurrency = Math.min(r.Properties.ScalingConfig?.MaximumConcurrency ?? 2, 4);
      const runners = await Promise.all(Array.from({ length: concurrency }, () => HandlerRunner.load(env, this.pusher.bundlePath)));
      this.runners.push(...runners);
      const source = new SqsEventSource({
        client: this.moto!.client,
        queue,
        runners,
        batchSize: r.Properties.BatchSize ?? 10,
        functionTimeoutMs: timeoutMs,
        onInvocation: ({ invocation }) => this.report(invocation),
      });
      source.start();
      this.sources.push(source);
    }
  }

  /** Each `lambda` subscription: an SQS queue subscribed to the topic on moto, polled into SNS events for the handler. */
  private async startSubscriptions(env: Record<string, string>): Promise<void> {
    for (const [id, r] of this.resources('AWS::SNS::Subscription')) {
      if (r.Properties.Protocol !== 'lambda' || r.Properties.Endpoint?.['Fn::GetAtt']?.[0] !== this.pusher.functionLogicalId) continue;
      const topicArn = this.topics.get(r.Properties.TopicArn?.Ref);
      if (!topicArn) throw new UsageError(`${id}: its topic is not a topic of this template`);
      const queue = await this.moto!.createQueue(`${id}-to-pusher`);
      const sns = this.snsClient();
      const { SubscriptionArn } = await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue.arn }));
      sns.destroy();
      const runner = await HandlerRunner.load(env, this.pusher.bundlePath);
      this.runners.push(runner);
      this.pollers.push(this.pollSubscription(queue, runner, SubscriptionArn!));
    }
  }

  private pollSubscription(queue: LocalQueue, runner: HandlerRunner, subscriptionArn: string) {
    let running = true;
    const loop = (async () => {
      while (running) {
        const receive = new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 });
        const { Messages = [] } = await this.moto!.client.send(receive).catch(() => ({ Messages: [] }));
        for (const message of Messages) {
          const envelope = JSON.parse(message.Body ?? '{}');
          const event = { Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', EventSubscriptionArn: subscriptionArn, Sns: { ...envelope, MessageAttributes: envelope.MessageAttributes ?? {} } }] };
          const invocation = await runner.invoke(event);
          this.report(invocation);
          // Lambda retries a failed asynchronous invocation; here the message reappears after its visibility timeout.
          if (invocation.error) continue;
          await this.moto!.client.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle }));
        }
      }
    })();
    return { stop: async () => { running = false; await loop; } };
  }

  /** Runs a Node.js function of the assembly (loaded on first use) and returns what it answered; a throw is an error. */
  private async invokeFunction(logicalId: string, event: unknown): Promise<unknown> {
    let runner = this.functions.get(logicalId);
    if (!runner) {
      const { file, exportName } = functionCode(this.app, this.pusher.stackName, this.template, logicalId);
      runner = HandlerRunner.load(this.functionEnv(logicalId, { AWS_LAMBDA_FUNCTION_NAME: logicalId }), file, exportName);
      this.functions.set(logicalId, runner);
      void runner.then((r) => this.runners.push(r));
    }
    const invocation = await (await runner).invoke(event);
    for (const line of invocation.lines.filter((l) => l.trim())) this.log(`  ${logicalId}: ${line}`);
    if (invocation.error) throw new FunctionError(logicalId, invocation.error.name, invocation.error.message);
    return invocation.result;
  }

  /**
   * The `$connect` route's Lambda authorizer, run as API Gateway runs a REQUEST authorizer: an `Allow` policy lets the
   * connection in with its `principalId` and `context`; a `Deny` refuses it with 403, a thrown "Unauthorized" with 401.
   */
  private assemblyAuthorizer(): LocalAuthorizer {
    const route = connectionRoutes(this.template).$connect;
    if (!route?.authorizerFunction) throw new UsageError('--authorizer assembly: the $connect route has no Lambda authorizer');
    return async ({ query, headers }) => {
      const event = {
        type: 'REQUEST',
        methodArn: `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT}:local/$connect`,
        headers,
        queryStringParameters: query,
        requestContext: { routeKey: '$connect', eventType: 'CONNECT', apiId: 'local' },
      };
      return lambdaAuthorizerVerdict(() => this.invokeFunction(route.authorizerFunction!, event));
    };
  }

  private snsClient(): SNSClient {
    return new SNSClient({ endpoint: this.moto!.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  }

  /** One line per request and per work item, from the handler's own report lines. */
  private report(invocation: Invocation): void {
    for (const line of invocation.json) {
      if (line.message !== 'request processed' && line.message !== 'work item processed') continue;
      const figures = ['targets', 'delivered', 'gone', 'pruned', 'failed', 'closed'].filter((f) => line[f]).map((f) => `${f}=${line[f]}`).join(' ');
      const what = line.message === 'request processed' ? `${line.source} ${line.kind}` : `work item ${line.kind}`;
      this.log(`  ${new Date().toISOString().slice(11, 19)}  ${what.padEnd(18)} ${String(line.outcome).padEnd(10)} ${figures || '-'}${line.error ? `  ${line.error.code}: ${line.error.message}` : ''}`);
    }
    if (invocation.error) this.log(`  the handler threw ${invocation.error.name}: ${invocation.error.message}`);
  }
}
