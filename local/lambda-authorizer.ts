import type { AuthorizerAnswer } from './routes';

/** A function of the assembly that threw: its `errorMessage` decides what API Gateway makes of it. */
export class FunctionError extends Error {
  constructor(readonly functionId: string, readonly errorName: string, readonly errorMessage: string) {
    super(`${functionId} threw ${errorName}: ${errorMessage}`);
  }
}

/**
 * What API Gateway makes of a Lambda REQUEST authorizer's outcome on `$connect` (API Gateway's developer guide, "Use
 * API Gateway Lambda authorizers"): a thrown `Unauthorized` → 401 (`undefined` here); a policy with an explicit `Deny`,
 * or with no `Allow` (an implicit deny) → 403; an `Allow` → the connection, with the answer's `principalId` and
 * `context`. Any other throw, or an answer without a policy, is the authorizer's failure: API Gateway answers 500, and
 * so does this (it rethrows). The statements' `Resource` is not matched against the route: the policy is taken as
 * written for `$connect`.
 */
export async function lambdaAuthorizerVerdict(invoke: () => Promise<unknown>): Promise<AuthorizerAnswer | undefined> {
  let answer: any;
  try {
    answer = await invoke();
  } catch (error) {
    if (error instanceof FunctionError && error.errorMessage === 'Unauthorized') return undefined;
    throw error;
  }
  const statements = answer?.policyDocument?.Statement;
  if (statements === undefined) throw new Error('the authorizer answered without a policyDocument');
  const effects = (Array.isArray(statements) ? statements : [statements]).map((s: { Effect?: string }) => s?.Effect);
  if (effects.includes('Deny') || !effects.includes('Allow')) return { deny: true };
  return { principalId: answer.principalId, context: answer.context ?? {} };
}
