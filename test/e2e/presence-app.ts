import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, DeleteEventBusCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { functionOfKind } from './channels-app';
import type { LocalAuthorizer } from '../../local/api-gateway/routes/authorizers';
import { tapTemplate } from '../../local/aws/moto/event-tap';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../local/identity';
import type { FunctionSources } from '../../local/system/event-sources';
import type { EventBridgeDelivery } from '../../local/system/eventbridge';
import { LocalSystem, type LocalSystemOptions } from '../../local/system/local-system';
import { resourcesOfType, type CloudTemplate } from '../../local/template/intrinsics';
import { ConnectionUserId, WebsocketPusher } from '../../src';
import { PRESENCE_TABLE, userPresenceKey } from '../../src/shared/presence';

/** The grace period of the app's presence: short, so that a test waits seconds for `UserOffline`. */
export const GRACE_SECONDS = 2;

/** The tenant the authorizer stand-in answers for a user: what its `Connected` / `Disconnected` carry. */
export const tenantOf = (userId: string): string => `tenant-of-${userId}`;

/** `?token=<user id>` is believed, with a `tenant` in the context (the row keeps it: `authorizerContextAttributes`). */
const authorizer: LocalAuthorizer = ({ query }) => (query.token
  ? { principalId: query.token, context: { tenant: tenantOf(query.token) } }
  : undefined);

/**
 * An app with lifecycle events as a user writes it: a WebSocket API, a Lambda authorizer on `$connect` (its local
 * stand-in above), and a pusher with `connectionRoutes`, `enableDisconnect` and `lifecycleEvents` on a bus of its own
 * with a 2-second `offlineGracePeriod`.
 */
export function synthesizePresenceApp(): CloudTemplate {
  const outdir = mkdtempSync(join(tmpdir(), 'presence-app-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:disable-asset-staging': true } });
    const stack = new Stack(app, 'Presence', { env: { account: LOCAL_ACCOUNT, region: LOCAL_REGION } });
    const api = new apigwv2.WebSocketApi(stack, 'Api');
    const stage = new apigwv2.WebSocketStage(stack, 'Stage', { webSocketApi: api, stageName: 'live', autoDeploy: true });
    const authorizerFunction = new lambda.Function(stack, 'AuthorizerFunction', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => { throw new Error("Unauthorized"); };'),
    });
    new WebsocketPusher(stack, 'Pusher', {
      webSocketStage: stage,
      connectionRoutes: {
        userId: ConnectionUserId.fromAuthorizer(),
        authorizer: new WebSocketLambdaAuthorizer('Authorizer', authorizerFunction, { identitySource: ['route.request.querystring.token'] }),
        authorizerContextAttributes: ['tenant'],
      },
      enableDisconnect: true,
      lifecycleEvents: { eventBus: new events.EventBus(stack, 'Bus'), offlineGracePeriod: Duration.seconds(GRACE_SECONDS) },
    });
    return app.synth().getStackByName('Presence').template as CloudTemplate;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** An event the local EventBridge's tap reported, and when (epoch ms). */
export interface SeenDelivery extends EventBridgeDelivery {
  readonly receivedAt: number;
}

/** The current test's system, the events its bus received (in the order the tap saw them), and its helpers. */
export interface PresenceFixture {
  readonly system: LocalSystem;
  /** Every event put on a bus of the local EventBridge since the test started. */
  readonly events: SeenDelivery[];
  /** The app's bus (its local name). */
  readonly busName: string;
  /** The events' `source`: the pusher's service name, as the connection stream function's environment gives it. */
  readonly serviceName: string;
  /** The connection stream function's logical id. */
  readonly streamFunction: string;
  /** The connection stream function's event sources as the local system runs them from the template: the presence check queue. */
  readonly checks: FunctionSources;
  /** `system.drained()`: the streams, the tap, the check queue (delayed checks included) and the pusher's queues idle and empty. */
  drained(timeoutMs?: number): Promise<void>;
}

let template: CloudTemplate | undefined;

/**
 * A fresh local system of the presence app for every test (queues, topics and the bus on moto, the sweeper every
 * `ttlSweepIntervalMs`; the system runs the connection stream function's SQS event source mapping, the presence check
 * queue, from the template), and every test's events recorded. Everything is stopped after the test.
 */
export function usePresenceSystem(options: Pick<LocalSystemOptions, 'ttlSweepIntervalMs'> = {}): PresenceFixture {
  let current: { system: LocalSystem; streamFunction: string } | undefined;
  const seen: SeenDelivery[] = [];

  beforeEach(async () => {
    template ??= synthesizePresenceApp();
    seen.length = 0;
    const onEvent = (delivery: EventBridgeDelivery) => seen.push({ ...delivery, receivedAt: Date.now() });
    const system = await LocalSystem.start({ template, authorizer, queues: true, onEvent, ...options });
    current = { system, streamFunction: functionOfKind(template, 'connection-stream') };
  }, 120_000);
  afterEach(async () => {
    const running = current;
    current = undefined;
    await running?.system.stop();
  }, 120_000);

  const now = () => {
    if (!current) throw new Error('usePresenceSystem: the system exists only while a test runs');
    return current;
  };
  return {
    get system() { return now().system; },
    get checks() {
      const { system, streamFunction } = now();
      const checks = system.otherSources.get(streamFunction);
      if (!checks) throw new Error('the local system runs no event source of the connection stream function');
      return checks;
    },
    get streamFunction() { return now().streamFunction; },
    get busName() { return busName(now().system); },
    get serviceName() { return now().system.functions.environment(now().streamFunction).env.POWERTOOLS_SERVICE_NAME; },
    events: seen,
    drained: (timeoutMs = 120_000) => now().system.drained(timeoutMs),
  };
}

/** The app's bus, by its local name. */
export function busName(system: LocalSystem): string {
  const [[logicalId]] = resourcesOfType(system.template, 'AWS::Events::EventBus');
  return system.names[logicalId];
}

/**
 * Deletes the app's bus on moto: a PutEvents naming it is then refused (ResourceNotFoundException), as EventBridge
 * refuses a bus that is not there. Its rules go with it.
 */
export async function deleteBus(system: LocalSystem): Promise<void> {
  await system.messaging!.moto.events.send(new DeleteEventBusCommand({ Name: busName(system) }));
}

/**
 * Creates the app's bus again, with the local EventBridge's catch-all rule to its tap (as `startEventBridge` makes it;
 * the app declares no rule of its own), so that what is put on it from now on is seen again.
 */
export async function restoreBus(system: LocalSystem): Promise<void> {
  const client = system.messaging!.moto.events;
  const bus = busName(system);
  await client.send(new CreateEventBusCommand({ Name: bus }));
  await client.send(new PutRuleCommand({ Name: 'local-eventbridge-all', EventBusName: bus, EventPattern: '{"source": [{"prefix": ""}]}' }));
  await client.send(new PutTargetsCommand({
    Rule: 'local-eventbridge-all',
    EventBusName: bus,
    Targets: [{ Id: 'local-eventbridge-tap', Arn: system.eventBridge!.tap.queue.arn, InputTransformer: { InputTemplate: tapTemplate(bus, null) } }],
  }));
}

/** A user's row in the presence table (strongly consistent), or undefined. */
export async function presenceRow(system: LocalSystem, userId: string): Promise<Record<string, any> | undefined> {
  const [[logicalId]] = resourcesOfType(system.template, 'AWS::DynamoDB::Table').filter(([id]) => id.startsWith('PusherPresenceTable'));
  const { Item } = await system.dynamodb.client.send(new GetItemCommand({
    TableName: system.names[logicalId],
    Key: { [PRESENCE_TABLE.KEY]: { S: userPresenceKey(userId) }, [PRESENCE_TABLE.USER_ID]: { S: userId } },
    ConsistentRead: true,
  }));
  return Item && unmarshall(Item);
}
