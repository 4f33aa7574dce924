// Handler libraries are devDependencies: esbuild bundles them into the asset, the npm package never loads them.
// eslint-disable-next-line import/no-extraneous-dependencies
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PRESENCE_TABLE } from '../../src/shared/presence';

/** A presence table row as it was read: what a conditional write requires it still to be. */
export interface ExpectedRow {
  readonly state: string;
  readonly token?: string;
  /** The row's version (checked too); every row written now has one. */
  readonly version?: number;
}

/**
 * The condition of a write to the presence table "if the row is still as read": no row (`undefined`), or the same
 * state, version (when it has one) and token (or none). Shared by the user presence store and the channel member store.
 */
export function rowCondition(expected: ExpectedRow | undefined): {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
} {
  if (expected === undefined) {
    return { ConditionExpression: 'attribute_not_exists(#k)', ExpressionAttributeNames: { '#k': PRESENCE_TABLE.KEY } };
  }
  const names: Record<string, string> = { '#s': PRESENCE_TABLE.STATE, '#t': PRESENCE_TABLE.TOKEN };
  const values: Record<string, AttributeValue> = { ':s': { S: expected.state } };
  const parts = ['#s = :s'];
  if (expected.version !== undefined) {
    names['#v'] = PRESENCE_TABLE.VERSION;
    values[':v'] = { N: String(expected.version) };
    parts.push('#v = :v');
  }
  if (expected.token !== undefined) values[':t'] = { S: expected.token };
  parts.push(expected.token === undefined ? 'attribute_not_exists(#t)' : '#t = :t');
  return { ConditionExpression: parts.join(' AND '), ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}
