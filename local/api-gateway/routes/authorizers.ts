import { FunctionError } from '../../function-error';
import type { ConnectRequest } from '../api-routes';

/**
 * What the `$connect` route's authorizer would answer, computed locally: a Lambda authorizer's `principalId` and
 * `context`, or the IAM caller of an IAM-authorized `$connect`. `undefined` refuses the connection with 401, as an
 * authorizer that throws "Unauthorized" does; `deny` refuses it with 403, as a `Deny` policy does ("If authorization
 * fails on `$connect`, the connection will not be established, and the client will receive a `401` or `403`
 * response": API Gateway's developer guide, "Manage connected users and client apps: `$connect` and `$disconnect`").
 */
export interface AuthorizerAnswer {
  /** The authorizer answered an explicit `Deny`: the connection is refused with 403. */
  readonly deny?: boolean;
  readonly principalId?: string;
  readonly context?: Readonly<Record<string, string | number | boolean>>;
  /** For `AWS_IAM`: `$context.identity` of the signed request, e.g. `{ userArn: 'arn:aws:iam::…:user/alice' }`. */
  readonly identity?: Readonly<Record<string, string>>;
}

/** The local stand-in for the `$connect` authorizer: the upgrade request's query and headers → an answer. */
export type LocalAuthorizer = (request: Pick<ConnectRequest, 'query' | 'headers'>) => AuthorizerAnswer | undefined | Promise<AuthorizerAnswer | undefined>;

/** Where an authorizer reads its identity: a query string parameter or a header (lower case). */
export type IdentityParameter = { readonly query: string } | { readonly header: string };

/** The first query string or header identity source of a route (`route.request.querystring.auth` → `auth`); `token` without one. */
export function identityParameter(sources: readonly string[]): IdentityParameter {
  for (const source of sources) {
    const [, where, name] = /^route\.request\.(querystring|header)\.(.+)$/.exec(source) ?? [];
    if (where === 'querystring') return { query: name };
    if (where === 'header') return { header: name.toLowerCase() };
  }
  return { query: 'token' };
}

/**
 * The local stand-in for a Lambda authorizer: the identity source's value is believed as the user id
 * (`?token=<user id>` → `{ principalId: <user id> }`); none is refused with 401. Local only: any value is believed.
 */
export function identityIsUserId(parameter: IdentityParameter = { query: 'token' }): LocalAuthorizer {
  return ({ query, headers }) => {
    const value = 'query' in parameter ? query[parameter.query] : headers[parameter.header];
    return value ? { principalId: value } : undefined;
  };
}

/** The stand-in of an authorizer whose identity source is `?token=`: `?token=<user id>` is believed. */
export const tokenIsUserId: LocalAuthorizer = identityIsUserId();

/** Whether every `route.request.querystring.x` / `route.request.header.x` identity source is present and not empty. */
export function hasIdentitySources(sources: readonly string[], request: Pick<ConnectRequest, 'query' | 'headers'>): boolean {
  return sources.every((source) => {
    const [, where, name] = /^route\.request\.(querystring|header)\.(.+)$/.exec(source) ?? [];
    if (!where) return true;
    return Boolean(where === 'querystring' ? request.query[name] : request.headers[name.toLowerCase()]);
  });
}

/** `$context.authorizer`: the principal id and the context map, every value stringified as API Gateway does. */
export function authorizerContext(answer: AuthorizerAnswer): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(answer.context ?? {})) values[key] = String(value);
  if (answer.principalId !== undefined) values.principalId = answer.principalId;
  return values;
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
