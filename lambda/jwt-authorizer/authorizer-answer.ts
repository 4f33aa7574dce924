/** A REQUEST authorizer's answer: the principal, its policy for the route, and the context later routes receive. */
export interface AuthorizerAnswer {
  readonly principalId: string;
  readonly policyDocument: {
    readonly Version: '2012-10-17';
    readonly Statement: ReadonlyArray<{ readonly Action: 'execute-api:Invoke'; readonly Effect: 'Allow' | 'Deny'; readonly Resource: string }>;
  };
  readonly context?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * The longest user id accepted, in UTF-8 bytes: DynamoDB's limit for a sort key, which the user id is in the presence
 * table (and the subscriptions table's index); a longer one could connect but never be online or a member.
 */
export const MAX_USER_ID_BYTES = 1_024;

/**
 * What a verified token's claims make of the connection: `Allow` with the user id claim as `principalId` and the
 * chosen claims as `context` (a string, number or boolean as it is; anything else as JSON text, which API Gateway's
 * context requires); `Deny` when the user id claim is absent, not a non-empty string, or longer than
 * {@link MAX_USER_ID_BYTES} (a verified identity, refused: API Gateway answers 403).
 */
export function answerFor(
  claims: Readonly<Record<string, unknown>>, userIdClaim: string, contextClaims: readonly string[], methodArn: string,
): AuthorizerAnswer {
  const userId = claims[userIdClaim];
  const allowed = typeof userId === 'string' && userId !== '' && Buffer.byteLength(userId, 'utf8') <= MAX_USER_ID_BYTES;
  const context: Record<string, string | number | boolean> = {};
  for (const claim of contextClaims) {
    const value = claims[claim];
    if (value === undefined || value === null) continue;
    context[claim] = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : JSON.stringify(value);
  }
  return {
    principalId: allowed ? userId : 'unknown',
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: allowed ? 'Allow' : 'Deny', Resource: methodArn }] },
    ...(allowed ? { context } : {}),
  };
}
