import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { resolveIntrinsics, type LocalNames, type RouteIntegration } from './cloud-template';
import { type ConnectionLifecycle, type ConnectRequest, type ConnectVerdict, type KnownConnection } from './emulator';
import { noOutputMapping, selectIntegrationResponse } from './integration-responses';
import { NativeSha256, type SigningCredentials } from './sigv4';
import { renderTemplate, type RouteContext } from './vtl';

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

/**
 * The local stand-in for a Lambda authorizer: `?token=<user id>` is believed (`{ principalId: token }`); no token is
 * refused with 401. Local only: any token is believed.
 */
export const tokenIsUserId: LocalAuthorizer = ({ query }) => (query.token ? { principalId: query.token } : undefined);

export interface TemplateRoutesOptions {
  readonly routes: Partial<Record<'$connect' | '$disconnect', RouteIntegration>>;
  /** Local names of the template's resources (the table's logical id → its local name) and pseudo parameters. */
  readonly names: LocalNames;
  readonly dynamoEndpoint: string;
  readonly region: string;
  readonly credentials: SigningCredentials;
  readonly authorizer: LocalAuthorizer;
  readonly stage: string;
  readonly apiId: string;
  /**
   * Runs a route's Lambda function (an `AWS_PROXY` integration, e.g. your own `$connect` handler) with API Gateway's
   * WebSocket event; its `statusCode` decides, as API Gateway's does. Without it, such a route is an error.
   */
  readonly invokeFunction?: (logicalId: string, event: unknown) => Promise<{ statusCode?: number } | undefined>;
}

/** A route whose integration failed: what it sent, and what DynamoDB answered (for tests and for the user's eyes). */
export interface RouteFailure {
  readonly routeKey: string;
  readonly connectionId: string;
  readonly request: string;
  readonly status: number;
  readonly answer: string;
  /** Why the route failed, as API Gateway would log it. */
  readonly reason: string;
}

/**
 * The connection lifecycle as the synthesized template defines it: `$connect` runs the authorizer stand-in, renders
 * the route's request template against API Gateway's `$context` and sends it to DynamoDB as the integration's
 * action; `$disconnect` does the same, best effort. A route the template does not have does nothing.
 */
export class TemplateRoutes implements ConnectionLifecycle {
  /** Integrations that failed, most recent last. */
  readonly failures: RouteFailure[] = [];
  private readonly signer: SignatureV4;

  constructor(private readonly options: TemplateRoutesOptions) {
    for (const route of Object.values(options.routes)) {
      if (route.integrationType === 'AWS_PROXY' && route.lambdaFunction && options.invokeFunction) continue;
      if (route.integrationType !== 'AWS' || !route.dynamodbAction || route.requestTemplate === undefined) {
        throw new Error(`${route.routeKey}: the local stack runs AWS integrations to DynamoDB with a request template; ${route.logicalId} is ${route.integrationType}`);
      }
    }
    this.signer = new SignatureV4({ service: 'dynamodb', region: options.region, credentials: options.credentials, sha256: NativeSha256 });
  }

  async connect(request: ConnectRequest): Promise<ConnectVerdict> {
    const route = this.options.routes.$connect;
    let answer: AuthorizerAnswer | undefined = {};
    if (route && route.authorizationType !== 'NONE') {
      // API Gateway refuses a request that lacks an identity source without calling the authorizer.
      if (!hasIdentitySources(route.identitySource ?? [], request)) return { accepted: false, status: 401, reason: 'Unauthorized' };
      answer = await this.options.authorizer({ query: request.query, headers: request.headers });
      if (!answer) return { accepted: false, status: 401, reason: 'Unauthorized' };
      if (answer.deny) return { accepted: false, status: 403, reason: 'Forbidden' };
    }
    const known: KnownConnection = {
      connectionId: request.connectionId,
      connectedAt: request.connectedAt,
      query: request.query,
      headers: request.headers,
      authorizer: stringified(answer),
      identity: { sourceIp: request.sourceIp, userAgent: request.userAgent, ...answer.identity },
    };
    if (route && !(await this.run(route, known, 'CONNECT'))) {
      return { accepted: false, status: 500, reason: 'Internal Server Error' };
    }
    return { accepted: true, connection: known };
  }

  async disconnect(connection: KnownConnection): Promise<void> {
    const route = this.options.routes.$disconnect;
    if (route) await this.run(route, connection, 'DISCONNECT');
  }

  /**
   * Renders the route's template and sends it (or runs its function). A proxy integration succeeds with a 2xx; a
   * non-proxy one when an integration response matches DynamoDB's status code, as in API Gateway.
   */
  private async run(route: RouteIntegration, connection: KnownConnection, eventType: 'CONNECT' | 'DISCONNECT'): Promise<boolean> {
    if (route.integrationType === 'AWS_PROXY') return this.runFunction(route, connection, eventType);
    const template = resolveIntrinsics(route.requestTemplate, this.options.names, `${route.routeKey} request template`) as string;
    const context: RouteContext = {
      connectionId: connection.connectionId,
      connectedAt: connection.connectedAt,
      requestTimeEpoch: Date.now(),
      requestId: randomUUID(),
      eventType,
      routeKey: route.routeKey,
      stage: this.options.stage,
      apiId: this.options.apiId,
      domainName: '127.0.0.1',
      authorizer: connection.authorizer,
      identity: connection.identity,
    };
    const body = renderTemplate(template, context);
    const { status, answer } = await this.send(route.dynamodbAction!, body);
    if (selectIntegrationResponse(route.integrationResponses, status)) return true;
    const missing = route.integrationResponses.length === 0
      ? `${route.routeKey}'s integration ${route.logicalId} has no integration response`
      : `no integration response of ${route.routeKey}'s integration ${route.logicalId} matches ${status} (keys: ${route.integrationResponses.map((r) => r.key).join(', ')})`;
    this.failures.push({
      routeKey: route.routeKey, connectionId: connection.connectionId, request: body, status, answer, reason: `${noOutputMapping(status)}: ${missing}`,
    });
    return false;
  }

  private async runFunction(route: RouteIntegration, connection: KnownConnection, eventType: 'CONNECT' | 'DISCONNECT'): Promise<boolean> {
    const event = {
      // API Gateway gives the upgrade request's headers and query string to $connect only.
      headers: eventType === 'CONNECT' ? connection.headers ?? {} : {},
      queryStringParameters: eventType === 'CONNECT' ? connection.query ?? {} : {},
      isBase64Encoded: false,
      requestContext: {
        routeKey: route.routeKey,
        eventType,
        connectionId: connection.connectionId,
        connectedAt: connection.connectedAt,
        requestTimeEpoch: Date.now(),
        requestId: randomUUID(),
        stage: this.options.stage,
        apiId: this.options.apiId,
        domainName: '127.0.0.1',
        authorizer: connection.authorizer,
        identity: connection.identity,
      },
    };
    const answer = await this.options.invokeFunction!(route.lambdaFunction!, event).catch((e: Error) => ({ statusCode: 500, error: e.message }));
    const status = answer?.statusCode ?? 200;
    if (status >= 200 && status < 300) return true;
    this.failures.push({
      routeKey: route.routeKey,
      connectionId: connection.connectionId,
      request: JSON.stringify(event),
      status,
      answer: JSON.stringify(answer),
      reason: `${route.lambdaFunction} answered ${status}`,
    });
    return false;
  }

  /** POSTs the rendered body to DynamoDB as `action`, signed, exactly as API Gateway's integration sends it. */
  private async send(action: string, body: string): Promise<{ status: number; answer: string }> {
    const url = new URL(this.options.dynamoEndpoint);
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      headers: {
        'host': url.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${action}`,
      },
      body,
    });
    return new Promise((resolve, reject) => {
      const req = httpRequest({ hostname: url.hostname, port: url.port, method: 'POST', path: '/', headers: signed.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, answer: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** Whether every `route.request.querystring.x` / `route.request.header.x` identity source is present and not empty. */
function hasIdentitySources(sources: readonly string[], request: Pick<ConnectRequest, 'query' | 'headers'>): boolean {
  return sources.every((source) => {
    const [, where, name] = /^route\.request\.(querystring|header)\.(.+)$/.exec(source) ?? [];
    if (!where) return true;
    return Boolean(where === 'querystring' ? request.query[name] : request.headers[name.toLowerCase()]);
  });
}

/** `$context.authorizer`: the principal id and the context map, every value stringified as API Gateway does. */
function stringified(answer: AuthorizerAnswer): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(answer.context ?? {})) values[key] = String(value);
  if (answer.principalId !== undefined) values.principalId = answer.principalId;
  return values;
}
