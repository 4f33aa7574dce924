import { SignatureV4 } from '@smithy/signature-v4';
import { renderRequest, type IntegrationCall } from './dynamodb';
import { postSigned } from './signed-post';
import type { RouteIntegration } from '../../../template/api';
import { resolveIntrinsics, type LocalNames } from '../../../template/intrinsics';
import { NativeSha256, type SigningCredentials } from '../../sigv4';
import type { RouteContext } from '../vtl';

/** The services whose `AWS` integrations the local system runs against moto. */
export const MESSAGING_SERVICES: readonly string[] = ['sqs', 'sns'];

export interface MessagingIntegrationOptions {
  /** moto's endpoint, which answers SQS and SNS. */
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: SigningCredentials;
  /** What the template's intrinsics resolve to. */
  readonly names: LocalNames;
  /** The local URL of the template's queue of this name (a `sqs:path/<account>/<queue>` URI names it). */
  readonly queueUrl: (queueName: string) => string | undefined;
}

/**
 * An `AWS` integration to SQS or SNS, as apps use one to publish straight from a socket (`…:sqs:path/<account>/<queue>`
 * with `Action=SendMessage&MessageBody=…`, `…:sns:action/Publish`, …): its request template is rendered as for DynamoDB,
 * its request parameters (static values and `context.*`) become headers and query parameters, and the request is POSTed
 * to moto, SigV4-signed for the service, as API Gateway sends it. A path URI's queue is the template's local queue.
 */
export class MessagingIntegration {
  private readonly signers = new Map<string, SignatureV4>();

  constructor(private readonly options: MessagingIntegrationOptions) {}

  async call(route: RouteIntegration, context: RouteContext, body = ''): Promise<IntegrationCall> {
    const request = renderRequest(route, context, body, this.options.names);
    const { uri, service, path } = this.target(route);
    const query = new URLSearchParams();
    if (/:action\//.test(uri)) query.set('Action', route.awsAction ?? '');
    // API Gateway's default content type; an action with no body (every parameter in the query string) is an AWS query
    // request, which SQS (JSON by default since 2023) tells from its form content type.
    const headers: Record<string, string> = { 'content-type': request ? 'application/json' : 'application/x-www-form-urlencoded' };
    const parameters = resolveIntrinsics(route.requestParameters ?? {}, this.options.names, `${route.routeKey} request parameters`) as Record<string, string>;
    for (const [name, mapping] of Object.entries(parameters)) {
      const [, where, parameter] = /^integration\.request\.(header|querystring)\.(.+)$/.exec(name) ?? [];
      const value = parameterValue(route, mapping, context);
      if (where === 'header') headers[parameter.toLowerCase()] = value;
      else if (where === 'querystring') query.set(parameter, value);
    }
    const search = query.toString();
    return { request, ...(await postSigned(this.signer(service), this.options.endpoint, search ? `${path}?${search}` : path, headers, request)) };
  }

  /** Why the route cannot run: its URI names a queue the template does not have; `undefined` when it can. */
  unknownQueue(route: RouteIntegration): string | undefined {
    try {
      this.target(route);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }

  /** The resolved URI, its service, and the path on moto: a queue's own path for `sqs:path/<account>/<queue>`, `/` otherwise. */
  private target(route: RouteIntegration): { uri: string; service: string; path: string } {
    const uri = resolveIntrinsics(route.integrationUri, this.options.names, `${route.routeKey} integration URI`) as string;
    const [, service, kind, rest] = /^arn:[^:]+:apigateway:[^:]*:(?:[\w-]+\.)?([a-z0-9-]+):(path|action)\/(.*)$/.exec(uri) ?? [];
    if (!service) throw new Error(`${route.routeKey}: ${uri} is not an API Gateway service integration URI`);
    if (service !== 'sqs' || kind !== 'path' || !rest.includes('/')) return { uri, service, path: '/' };
    const queueName = rest.split('/').pop()!;
    const url = this.options.queueUrl(queueName);
    if (!url) throw new Error(`${route.routeKey}: no queue of this template is named ${queueName}`);
    return { uri, service, path: new URL(url).pathname };
  }

  private signer(service: string): SignatureV4 {
    let signer = this.signers.get(service);
    if (!signer) {
      signer = new SignatureV4({ service, region: this.options.region, credentials: this.options.credentials, sha256: NativeSha256 });
      this.signers.set(service, signer);
    }
    return signer;
  }
}

/** Why a route's request parameters cannot be mapped locally (static values and `context.*` only), or `undefined`. */
export function unmappedParameter(route: RouteIntegration): string | undefined {
  // A mapping built with intrinsics (a quoted `Fn::Join`) is a static value once resolved.
  const mapped = (m: unknown) => typeof m !== 'string' || /^'.*'$/s.test(m) || /^context\.\w+$/.test(m);
  const [name, mapping] = Object.entries(route.requestParameters ?? {}).find(([, m]) => !mapped(m)) ?? [];
  return name && `${route.routeKey}: the local system maps static values and context variables only, not ${name} = ${mapping}`;
}

function parameterValue(route: RouteIntegration, mapping: string, context: RouteContext): string {
  const literal = /^'(.*)'$/s.exec(mapping);
  if (literal) return literal[1];
  const variable = /^context\.(\w+)$/.exec(mapping)?.[1];
  const value = variable !== undefined ? (context as unknown as Record<string, unknown>)[variable] : undefined;
  if (value === undefined || typeof value === 'object') throw new Error(`${route.routeKey}: ${mapping} has no value here (static values and context variables only)`);
  return String(value);
}
