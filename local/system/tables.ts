import { streamNames, tableNames, type MutableNames } from './names';
import type { LocalDynamoDb } from '../aws/dynamodb/local-dynamodb';
import type { CloudTemplate } from '../template/intrinsics';
import { tables } from '../template/resources';

/**
 * Creates the template's tables as it declares them (keys, global secondary indexes; a stream recorded, a TTL swept),
 * each named `localName(logicalId)`; resolves to what their `Ref`, `Arn` and `StreamArn` resolve to.
 */
export async function createTables(
  template: CloudTemplate, dynamodb: LocalDynamoDb, localName: (logicalId: string) => string,
): Promise<MutableNames> {
  const names: MutableNames = {};
  for (const spec of tables(template)) {
    const tableName = localName(spec.logicalId);
    await dynamodb.createTable({
      tableName,
      keySchema: spec.keySchema,
      attributeDefinitions: spec.attributeDefinitions,
      globalSecondaryIndexes: spec.globalSecondaryIndexes,
      streamViewType: spec.streamViewType,
      ttlAttribute: spec.ttlAttribute,
    });
    Object.assign(names, tableNames(spec.logicalId, tableName));
    if (spec.streamViewType) Object.assign(names, streamNames(spec.logicalId, dynamodb.stream(tableName).streamArn));
  }
  return names;
}
