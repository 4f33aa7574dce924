/**
 * The EventBridge resources of a template, read as plain descriptions: its event buses, and its rules with their bus,
 * pattern, state and targets (each a queue or a Lambda function of the template). What the local system does not do
 * is an error that names the rule and the field. Nothing here resolves or starts anything.
 */
import { referencedId, resourcesOfType, type CloudTemplate } from './intrinsics';

/** An `AWS::Events::EventBus` of the template: its logical id and its `Name` (as the template writes it). */
export interface EventBusSpec {
  readonly logicalId: string;
  readonly name: unknown;
}

/** A target of a rule: a queue (EventBridge delivers to it) or a Lambda function (EventBridge invokes it). */
export interface RuleTargetSpec {
  readonly id: string;
  readonly kind: 'queue' | 'function';
  /** The queue's or the function's logical id. */
  readonly logicalId: string;
  /** The target's `Arn`, as the template writes it. */
  readonly arn: unknown;
  /** `InputTransformer`, which moto applies as EventBridge does. */
  readonly inputTransformer?: { readonly InputPathsMap?: Record<string, string>; readonly InputTemplate: string };
  /** `SqsParameters.MessageGroupId` (a FIFO queue's target). */
  readonly messageGroupId?: string;
}

/** An `AWS::Events::Rule` with an event pattern. */
export interface EventRuleSpec {
  readonly logicalId: string;
  /** The rule's `Name` when it is a plain string, else its logical id. */
  readonly name: string;
  /** `EventBusName` as the template writes it (a name, a `Ref` of a bus, an ARN); absent: the default bus. */
  readonly eventBusName?: unknown;
  /** The pattern, as the template writes it (an object, or its JSON). */
  readonly eventPattern: unknown;
  readonly enabled: boolean;
  readonly targets: readonly RuleTargetSpec[];
}

/** What a target may declare here: `RetryPolicy` and `DeadLetterConfig` are about failed deliveries, which do not happen locally. */
const TARGET_FIELDS = new Set(['Id', 'Arn', 'RoleArn', 'InputTransformer', 'SqsParameters', 'RetryPolicy', 'DeadLetterConfig']);

export function eventBuses(template: CloudTemplate): EventBusSpec[] {
  return resourcesOfType(template, 'AWS::Events::EventBus').map(([logicalId, r]) => ({ logicalId, name: r.Properties?.Name ?? logicalId }));
}

/**
 * The template's rules, each with its targets. A scheduled rule, a target that is neither a queue nor a Lambda function
 * of the template, or a target field moto does not apply (`Input`, `InputPath`, ...) is an error naming the rule.
 */
export function eventRules(template: CloudTemplate): EventRuleSpec[] {
  return resourcesOfType(template, 'AWS::Events::Rule').map(([logicalId, r]) => {
    const props = r.Properties ?? {};
    if (props.ScheduleExpression !== undefined) {
      throw new Error(`${logicalId}: ScheduleExpression: the local system runs rules with an EventPattern only, not scheduled rules`);
    }
    if (props.EventPattern === undefined) throw new Error(`${logicalId}: the rule has no EventPattern`);
    return {
      logicalId,
      name: typeof props.Name === 'string' && props.Name !== '' ? props.Name : logicalId,
      ...(props.EventBusName !== undefined ? { eventBusName: props.EventBusName } : {}),
      eventPattern: props.EventPattern,
      enabled: (props.State ?? 'ENABLED') === 'ENABLED',
      targets: ((props.Targets ?? []) as any[]).map((target) => ruleTarget(template, logicalId, target)),
    };
  });
}

function ruleTarget(template: CloudTemplate, ruleId: string, target: Record<string, any>): RuleTargetSpec {
  const where = `${ruleId}: target ${target.Id}`;
  const unsupported = Object.keys(target).filter((field) => !TARGET_FIELDS.has(field));
  if (unsupported.length > 0) {
    throw new Error(`${where}: ${unsupported.join(', ')}: the local system does not apply it (moto's EventBridge applies InputTransformer only)`);
  }
  const logicalId = referencedId(target.Arn);
  const type = logicalId === undefined ? undefined : template.Resources[logicalId]?.Type;
  if (type !== 'AWS::SQS::Queue' && type !== 'AWS::Lambda::Function') {
    const kind = type ?? (typeof target.Arn === 'string' ? `${target.Arn}, not a resource of this template` : 'not a resource of this template');
    throw new Error(`${where} is ${kind}: the local system delivers a rule's events to a queue or a Lambda function of the template only`);
  }
  if (type === 'AWS::Lambda::Function' && target.SqsParameters) throw new Error(`${where}: SqsParameters on a Lambda function`);
  return {
    id: String(target.Id),
    kind: type === 'AWS::SQS::Queue' ? 'queue' : 'function',
    logicalId: logicalId!,
    arn: target.Arn,
    ...(target.InputTransformer ? { inputTransformer: target.InputTransformer } : {}),
    ...(target.SqsParameters?.MessageGroupId ? { messageGroupId: target.SqsParameters.MessageGroupId } : {}),
  };
}

/**
 * How often Lambda retries an asynchronous invocation of a function that threw (EventBridge invokes a Lambda target
 * asynchronously): its `AWS::Lambda::EventInvokeConfig`'s `MaximumRetryAttempts`, 2 without one.
 */
export function asyncRetryAttempts(template: CloudTemplate, functionLogicalId: string): number {
  const config = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig')
    .find(([, r]) => referencedId(r.Properties?.FunctionName) === functionLogicalId);
  return config?.[1].Properties?.MaximumRetryAttempts ?? 2;
}
