import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventBridgeDelivery } from './eventbridge';
import type { EmulatorOptions } from '../api-gateway/emulator';
import type { LocalAuthorizer } from '../api-gateway/routes/authorizers';
import type { InvokeFunction } from '../api-gateway/routes/integrations/lambda-proxy';
import type { Invocation } from '../lambda-runtime/function-runner';
import type { CloudTemplate } from '../template/intrinsics';
import type { LocalAppOptions } from '../template/local-app';

/** What a `LocalSystem` runs, and how. */
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
  /** A `DynamoFaults` proxy in front of DynamoDB for the routes and the functions (`system.dynamodb.faults`). */
  readonly dynamoFaults?: boolean;
  /**
   * Between the end of a TTL sweep and the start of the next: the items of a table with a TTL whose time has passed
   * are deleted (DynamoDB takes up to a few days), with a `REMOVE` stream record when the table has a stream. @default 1000
   */
  readonly ttlSweepIntervalMs?: number;
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
  /** Called after each invocation by an event source (queues, topics, DynamoDB streams). */
  readonly onInvocation?: (invocation: Invocation) => void;
  /**
   * Called after each invocation of a template function by a route, an authorizer or the Invoke endpoint (the channels
   * function, a hook); when given, their output lines are not sent to `log`. @default their lines to `log`
   */
  readonly onFunctionInvocation?: (logicalId: string, invocation: Invocation) => void;
  /**
   * Called for every event put on a bus of the local EventBridge (the template's buses and the default bus, with
   * `queues: true`), with the rules it matched and their targets; an event no rule matched too. The invocations of a
   * rule's Lambda targets go to `onFunctionInvocation`.
   */
  readonly onEvent?: (delivery: EventBridgeDelivery) => void;
  /** Serves more paths on the emulator's port (the console): true when it handled the request. @default none */
  readonly httpHandler?: (req: IncomingMessage, res: ServerResponse) => boolean;
}
