import { SignatureV4 } from '@smithy/signature-v4';
import { postSigned, type BackendAnswer } from './signed-post';
import type { RouteIntegration } from '../../../template/api';
import { resolveIntrinsics, type LocalNames } from '../../../template/intrinsics';
import { NativeSha256, type SigningCredentials } from '../../sigv4';
import { selectTemplate } from '../selection';
import { renderTemplate, type RouteContext } from '../vtl';

/** What an integration sent and what its backend answered. */
export interface IntegrationCall {
  readonly request: string;
  readonly status: number;
  readonly answer: string;
  /** A proxy function's response headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Why a proxy function gave no answer (it threw, timed out or could not load), for the log. */
  readonly error?: string;
}

export interface DynamoDbIntegrationOptions {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: SigningCredentials;
  /** Local names of the template's resources and pseudo parameters (what the template's intrinsics resolve to). */
  readonly names: LocalNames;
}

/**
 * An `AWS` integration to DynamoDB (`arn:…:dynamodb:action/<Action>`): its request template (the one its selection
 * expression picks) is rendered against the route's `$context` and the message body, and POSTed to DynamoDB as that
 * action, signed, exactly as API Gateway's integration sends it.
 */
export class DynamoDbIntegration {
  private readonly signer: SignatureV4;

  constructor(private readonly options: DynamoDbIntegrationOptions) {
    this.signer = new SignatureV4({ service: 'dynamodb', region: options.region, credentials: options.credentials, sha256: NativeSha256 });
  }

  async call(route: RouteIntegration, context: RouteContext, body = ''): Promise<IntegrationCall> {
    const request = renderRequest(route, context, body, this.options.names);
    return { request, ...(await this.send(route.dynamodbAction!, request)) };
  }

  private send(action: string, body: string): Promise<BackendAnswer> {
    const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${action}` };
    return postSigned(this.signer, this.options.endpoint, '/', headers, body);
  }
}

/** The integration's request, as its selected request template renders it (intrinsics resolved first). */
export function renderRequest(route: RouteIntegration, context: RouteContext, body: string, names: LocalNames): string {
  const template = selectTemplate(route.requestTemplates, route.templateSelectionExpression, { body });
  if (template === undefined) throw new Error(`${route.routeKey}: no request template of ${route.logicalId} is selected for this message`);
  return renderTemplate(resolveIntrinsics(template, names, `${route.routeKey} request template`) as string, context, body);
}
