/**
 * What a template's `Ref` and `Fn::GetAtt` resolve to in the local system: the local name, URL or ARN of each resource
 * it runs, by logical id (`Ref`) and `logicalId.Attribute` (`Fn::GetAtt`), plus the pseudo parameters.
 */
import type { LocalQueue } from '../aws/moto/moto-server';
import { LOCAL_PSEUDO_PARAMETERS, localArn } from '../identity';

export type MutableNames = Record<string, string>;

/** The pseudo parameters, and the WebSocket APIs, which are all `local` here. */
export function baseNames(apiLogicalIds: readonly string[]): MutableNames {
  return { ...LOCAL_PSEUDO_PARAMETERS, ...Object.fromEntries(apiLogicalIds.map((id) => [id, 'local'])) };
}

/** A table's `Ref` (its name) and `Fn::GetAtt Arn`, for a local table of this name. */
export function tableNames(logicalId: string, tableName: string): MutableNames {
  return { [logicalId]: tableName, [`${logicalId}.Arn`]: localArn('dynamodb', `table/${tableName}`) };
}

/** A queue's `Ref` (its URL) and its `Arn`, `QueueName` and `QueueUrl` attributes. */
export function queueNames(logicalId: string, queue: LocalQueue): MutableNames {
  return { [logicalId]: queue.url, [`${logicalId}.Arn`]: queue.arn, [`${logicalId}.QueueName`]: queue.name, [`${logicalId}.QueueUrl`]: queue.url };
}

/** A topic's `Ref` (its ARN) and its `TopicArn` and `TopicName` attributes. */
export function topicNames(logicalId: string, topicArn: string): MutableNames {
  return { [logicalId]: topicArn, [`${logicalId}.TopicArn`]: topicArn, [`${logicalId}.TopicName`]: logicalId };
}

/** A table's `Fn::GetAtt StreamArn`: its local stream's ARN. */
export function streamNames(logicalId: string, streamArn: string): MutableNames {
  return { [`${logicalId}.StreamArn`]: streamArn };
}

/**
 * A function's `Ref` (its name: the template's `FunctionName` when it is a plain string, else its logical id) and its
 * `Arn`, which the local Lambda Invoke endpoint answers to.
 */
export function functionNames(logicalId: string, functionName: string): MutableNames {
  return { [logicalId]: functionName, [`${logicalId}.Arn`]: localArn('lambda', `function:${functionName}`) };
}
