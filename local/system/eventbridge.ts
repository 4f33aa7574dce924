import {
  CreateEventBusCommand, PutRuleCommand, PutTargetsCommand, type EventBridgeClient, type Target,
} from '@aws-sdk/client-eventbridge';
import type { EventBridgeEvent } from 'aws-lambda';
import type { LocalMessaging } from './messaging';
import type { MutableNames } from './names';
import { EventTap, tapTemplate } from '../aws/moto/event-tap';
import type { LocalQueue } from '../aws/moto/moto-server';
import { localArn } from '../identity';
import { EventBridgeTarget } from '../lambda-runtime/event-sources/eventbridge-target';
import type { FunctionRunner, Invocation } from '../lambda-runtime/function-runner';
import { asyncRetryAttempts, eventBuses, eventRules, type EventRuleSpec, type RuleTargetSpec } from '../template/event-rules';
import { resolveIntrinsics, type CloudTemplate } from '../template/intrinsics';

/** An event put on a bus of the local EventBridge, and where it went: each rule it matched, with that rule's targets. */
export interface EventBridgeDelivery {
  readonly bus: string;
  readonly event: EventBridgeEvent<string, unknown>;
  /** The rules it matched (logical ids) and their targets (the logical ids of the queues and functions). */
  readonly rules: ReadonlyArray<{ readonly logicalId: string; readonly targets: readonly string[] }>;
}

/** The template's buses and rules on moto's EventBridge, the Lambda targets' local sources, and the tap behind the sink. */
export interface LocalEventBridge {
  readonly tap: EventTap;
  readonly targets: ReadonlyArray<{ readonly ruleLogicalId: string; readonly functionLogicalId: string; readonly source: EventBridgeTarget }>;
  /** The queues the local system reads (the tap, the Lambda targets'), for `drained()`. */
  readonly queues: readonly LocalQueue[];
}

export interface StartEventBridgeOptions {
  readonly template: CloudTemplate;
  readonly messaging: LocalMessaging;
  /** What `Ref` / `Fn::GetAtt` resolve to: the buses' and rules' names are added to it. */
  readonly names: MutableNames;
  /** A new execution environment of a function. */
  readonly load: (functionLogicalId: string) => Promise<FunctionRunner>;
  readonly onEvent?: (delivery: EventBridgeDelivery) => void;
  readonly onInvocation?: (functionLogicalId: string, invocation: Invocation) => void;
  /** Told of an event a Lambda target gave up on. */
  readonly log?: (line: string) => void;
}

/**
 * moto's EventBridge, as the template declares it: its buses, its rules (pattern and state; moto matches the events, as
 * EventBridge does, and delivers to the queues), a Lambda target as a queue of its own that a local source invokes the
 * function from, and a tap that reports every event put and the rules it matched (`onEvent`).
 */
export async function startEventBridge(options: StartEventBridgeOptions): Promise<LocalEventBridge> {
  const { template, messaging, names } = options;
  const rules = eventRules(template);
  const events = messaging.moto.events;
  const buses = new Set(['default']);
  for (const bus of eventBuses(template)) {
    const name = String(resolveIntrinsics(bus.name, names, `${bus.logicalId} Name`));
    const { EventBusArn } = await events.send(new CreateEventBusCommand({ Name: name }));
    Object.assign(names, { [bus.logicalId]: name, [`${bus.logicalId}.Name`]: name, [`${bus.logicalId}.Arn`]: EventBusArn! });
    buses.add(name);
  }
  const tap = await messaging.moto.createQueue('local-eventbridge-tap');
  const targets: Array<LocalEventBridge['targets'][number]> = [];
  const ruleTargets = new Map<string, { logicalId: string; targets: string[] }>();
  for (const rule of rules) {
    const bus = busName(resolveIntrinsics(rule.eventBusName ?? 'default', names, `${rule.logicalId} EventBusName`));
    if (!buses.has(bus)) {
      // A bus the template names but does not declare (an imported one): it exists here too, so that the rule does.
      await events.send(new CreateEventBusCommand({ Name: bus }));
      buses.add(bus);
    }
    const ruleArn = await putRule(events, rule, bus, names);
    Object.assign(names, { [rule.logicalId]: rule.name, [`${rule.logicalId}.Arn`]: ruleArn });
    // moto 5 delivers to a DISABLED rule's targets: a disabled rule is created without any.
    if (!rule.enabled) continue;
    const put: Target[] = [];
    for (const target of rule.targets) put.push(await ruleTarget(options, rule, target, (source) => targets.push(source)));
    put.push({ Id: 'local-eventbridge-tap', Arn: tap.arn, InputTransformer: { InputTemplate: tapTemplate(bus, rule.name) } });
    await putTargets(events, rule, bus, put);
    ruleTargets.set(`${bus}/${rule.name}`, { logicalId: rule.logicalId, targets: rule.targets.map((t) => t.logicalId) });
  }
  // Each bus's catch-all, created last so that moto runs it after the template's rules: its tap message closes an event.
  for (const bus of buses) {
    await events.send(new PutRuleCommand({ Name: 'local-eventbridge-all', EventBusName: bus, EventPattern: '{"source": [{"prefix": ""}]}' }));
    await events.send(new PutTargetsCommand({
      Rule: 'local-eventbridge-all',
      EventBusName: bus,
      Targets: [{ Id: 'local-eventbridge-tap', Arn: tap.arn, InputTransformer: { InputTemplate: tapTemplate(bus, null) } }],
    }));
  }
  const sink = new EventTap(messaging.moto.client, tap, ({ bus, event, rules: matched }) => options.onEvent?.({
    bus, event, rules: matched.map((name) => ruleTargets.get(`${bus}/${name}`)!),
  }));
  sink.start();
  targets.forEach(({ source }) => source.start());
  return { tap: sink, targets, queues: [tap, ...targets.map((t) => t.source.queue)] };
}

/** Stops the tap and the Lambda targets' sources; resolves once their invocations in flight are over. */
export async function stopEventBridge(eventBridge: LocalEventBridge | undefined): Promise<void> {
  if (!eventBridge) return;
  await Promise.all([eventBridge.tap.stop(), ...eventBridge.targets.map(({ source }) => source.stop())]);
}

/**
 * The event as EventBridge delivers it to a target without an input transformer. moto's own default leaves out
 * `account`: this template, which moto fills in from the event, has every field.
 */
const WHOLE_EVENT = '{"version": "0", "id": "<id>", "detail-type": "<detail-type>", "source": "<source>", "account": "<account>", '
  + '"time": <time>, "region": "<region>", "resources": <resources>, "detail": <detail>}';

/** A bus's name, from its name or its ARN. */
function busName(value: unknown): string {
  const text = String(value);
  return text.startsWith('arn:') ? text.slice(text.indexOf(':event-bus/') + ':event-bus/'.length) : text;
}

async function putRule(events: EventBridgeClient, rule: EventRuleSpec, bus: string, names: MutableNames): Promise<string> {
  const pattern = typeof rule.eventPattern === 'string'
    ? rule.eventPattern : JSON.stringify(resolveIntrinsics(rule.eventPattern, names, `${rule.logicalId} EventPattern`));
  try {
    const { RuleArn } = await events.send(new PutRuleCommand({
      Name: rule.name, EventBusName: bus, EventPattern: pattern, State: rule.enabled ? 'ENABLED' : 'DISABLED',
    }));
    return RuleArn ?? localArn('events', `rule/${bus}/${rule.name}`);
  } catch (error) {
    throw new Error(`${rule.logicalId}: moto's EventBridge refused the rule: ${(error as Error).message}`);
  }
}

async function putTargets(events: EventBridgeClient, rule: EventRuleSpec, bus: string, targets: Target[]): Promise<void> {
  const out = await events.send(new PutTargetsCommand({ Rule: rule.name, EventBusName: bus, Targets: targets }));
  if (out.FailedEntryCount) throw new Error(`${rule.logicalId}: moto's EventBridge refused a target: ${out.FailedEntries?.[0]?.ErrorMessage}`);
}

/** A target as moto gets it: a queue as the template resolves it; a function as a queue of its own, read by a local source. */
async function ruleTarget(
  options: StartEventBridgeOptions, rule: EventRuleSpec, target: RuleTargetSpec,
  started: (source: LocalEventBridge['targets'][number]) => void,
): Promise<Target> {
  const where = `${rule.logicalId} target ${target.id}`;
  const transformer = target.inputTransformer
    ? resolveIntrinsics(target.inputTransformer, options.names, where) : { InputTemplate: WHOLE_EVENT };
  const common = { Id: target.id, InputTransformer: transformer };
  if (target.kind === 'queue') {
    const arn = String(resolveIntrinsics(target.arn, options.names, where));
    return { ...common, Arn: arn, ...(target.messageGroupId ? { SqsParameters: { MessageGroupId: target.messageGroupId } } : {}) };
  }
  const fn = target.logicalId;
  const timeout = options.template.Resources[fn].Properties?.Timeout ?? 3;
  const queue = await options.messaging.moto.createQueue(`local-rule-${rule.logicalId}-${target.id}`.replace(/[^\w-]/g, '-').slice(0, 80), {
    visibilityTimeoutSeconds: timeout + 30,
  });
  const source = new EventBridgeTarget({
    client: options.messaging.moto.client,
    queue,
    runner: await options.load(fn),
    functionTimeoutMs: timeout * 1000,
    maximumRetryAttempts: asyncRetryAttempts(options.template, fn),
    onInvocation: (invocation) => options.onInvocation?.(fn, invocation),
    onGiveUp: (event, invocation, attempts) => options.log?.(`  ${rule.logicalId}: ${fn} threw on all ${attempts} attempt(s) `
      + `(${invocation.error!.name}: ${invocation.error!.message}); the event is dropped: ${JSON.stringify(event)}`),
  });
  started({ ruleLogicalId: rule.logicalId, functionLogicalId: fn, source });
  return { ...common, Arn: queue.arn };
}
