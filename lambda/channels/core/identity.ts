/**
 * Who sends a frame: taken from what API Gateway attaches to every message of a connection (the `$connect`
 * authorizer's answer, the IAM caller, the connection id), as `connectionRoutes` stored it. Never from the frame.
 */
import type { ChannelIdentity } from '../../../src/shared/channels';

/** Where the user id is (`CHANNELS_ENV.USER_ID_SOURCE`): `authorizer:<key>`, `iam` or `connection`. */
export type UserIdSource =
  | { readonly kind: 'authorizer'; readonly key: string }
  | { readonly kind: 'iam' }
  | { readonly kind: 'connection' };

/** The parts of API Gateway's WebSocket MESSAGE event's `requestContext` this function reads. */
export interface MessageRequestContext {
  readonly connectionId?: unknown;
  readonly routeKey?: unknown;
  /** API Gateway's id of the message. */
  readonly requestId?: unknown;
  readonly connectedAt?: unknown;
  readonly authorizer?: unknown;
  readonly identity?: { readonly userArn?: unknown } | null;
}

/** `authorizer:<key>`, `iam` or `connection`; `undefined` for anything else. */
export function parseUserIdSource(value: string): UserIdSource | undefined {
  if (value === 'iam' || value === 'connection') return { kind: value };
  const key = /^authorizer:(.+)$/.exec(value)?.[1];
  return key === undefined ? undefined : { kind: 'authorizer', key };
}

/**
 * The authorizer's context (with `principalId`): its string values only (API Gateway passes every context value as a
 * string; `integrationLatency` is a number), in an object without a prototype, so that no key (`constructor`,
 * `__proto__`) resolves to anything the authorizer did not set.
 */
export function authorizerContext(requestContext: MessageRequestContext): Readonly<Record<string, string>> {
  const context: Record<string, string> = Object.create(null);
  const authorizer = requestContext.authorizer;
  if (typeof authorizer !== 'object' || authorizer === null) return context;
  for (const [key, value] of Object.entries(authorizer)) {
    if (typeof value === 'string') context[key] = value;
  }
  return context;
}

/** The connection's identity, or `undefined` when the source holds no user id (a non-empty string). */
export function identityOf(requestContext: MessageRequestContext, source: UserIdSource): ChannelIdentity | undefined {
  const context = authorizerContext(requestContext);
  const userId = source.kind === 'authorizer' ? context[source.key]
    : source.kind === 'iam' ? requestContext.identity?.userArn
      : requestContext.connectionId;
  return typeof userId === 'string' && userId !== '' ? { userId, context } : undefined;
}

/** Where the user id was looked for, as a log line says it. */
export function describeSource(source: UserIdSource): string {
  return source.kind === 'authorizer' ? `requestContext.authorizer.${source.key}`
    : source.kind === 'iam' ? 'requestContext.identity.userArn' : 'requestContext.connectionId';
}
