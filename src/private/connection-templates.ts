import { TableAttributes } from './connections-table';

/** What a `$connect` / `$disconnect` request template needs to know; every name already validated. */
export interface RowTemplateInput {
  readonly tableName: string;
  readonly attributes: TableAttributes;
  /** The mapping-template reference that yields the user id, e.g. `$context.authorizer.principalId`. */
  readonly userIdReference: string;
  readonly ttlSeconds: number;
  /** Authorizer context keys stored under the same attribute names. */
  readonly contextAttributes: readonly string[];
}

/** The key the request templates are selected by: `templateSelectionExpression` evaluates to it literally. */
export const TEMPLATE_KEY = '$default';
/** The selection expression that always selects {@link TEMPLATE_KEY} (`\$` is a literal dollar sign). */
export const TEMPLATE_SELECTION = '\\$default';

/**
 * A template string value: `$util.escapeJavaScript` escapes `'` as `\'`, which is not JSON, hence the replaceAll
 * (API Gateway's documented workaround). `reference` is a quiet reference (`$!{...}`): an absent value renders empty.
 */
function jsonString(reference: string): string {
  return `"$util.escapeJavaScript(${reference}).replaceAll("\\\\'","'")"`;
}

/** `$context.authorizer.x` → `$!{context.authorizer.x}`: empty, never the literal reference, when absent. */
function quiet(reference: string): string {
  return `$!{${reference.slice(1)}}`;
}

function keyJson(input: RowTemplateInput): string {
  const { userIdAttribute, connectionIdAttribute } = input.attributes;
  return `${JSON.stringify(userIdAttribute)}:{"S":${jsonString('$userId')}},${JSON.stringify(connectionIdAttribute)}:{"S":"$context.connectionId"}`;
}

/**
 * `#set` of `$userId`. An absent user id renders as an empty string, and DynamoDB refuses an empty key attribute
 * (ValidationException): the integration fails, so API Gateway refuses the connection rather than store it.
 */
function userIdLine(input: RowTemplateInput): string {
  return `#set($userId = "${quiet(input.userIdReference)}")`;
}

/**
 * The `$connect` request: `PutItem` of the row. `$context.requestTimeEpoch` is epoch milliseconds (an integer),
 * so `/ 1000` is integer division and the TTL a whole number of seconds.
 */
export function connectTemplate(input: RowTemplateInput): string {
  const lines = [
    userIdLine(input),
    `#set($expiresAt = $context.requestTimeEpoch / 1000 + ${input.ttlSeconds})`,
    `{"TableName":${JSON.stringify(input.tableName)},"Item":{${keyJson(input)}`,
    `,${JSON.stringify(input.attributes.ttlAttribute)}:{"N":"$expiresAt"}`,
    ...input.contextAttributes.map((key) => [
      `#if("${quiet(`$context.authorizer.${key}`)}" != "")`,
      `,${JSON.stringify(key)}:{"S":${jsonString(`$context.authorizer.${key}`)}}`,
      '#end',
    ].join('\n')),
    '}}',
  ];
  return lines.join('\n');
}

/** The `$disconnect` request: `DeleteItem` of the row, by the same user id and the connection id. */
export function disconnectTemplate(input: RowTemplateInput): string {
  return [
    userIdLine(input),
    `{"TableName":${JSON.stringify(input.tableName)},"Key":{${keyJson(input)}}}`,
  ].join('\n');
}
