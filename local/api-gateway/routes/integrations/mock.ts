import type { RouteIntegration } from '../../../template/api';
import type { LocalNames } from '../../../template/intrinsics';
import type { RouteContext } from '../vtl';
import { renderRequest, type IntegrationCall } from './dynamodb';

/**
 * A `MOCK` integration: API Gateway answers itself. Its request template must render `{"statusCode": <n>}`, and that
 * status selects the integration response; the backend's answer is empty. A template that renders no status code is
 * the integration's failure (500).
 */
export function callMock(route: RouteIntegration, context: RouteContext, body: string, names: LocalNames): IntegrationCall {
  const request = renderRequest(route, context, body, names);
  let status = 500;
  try {
    const parsed = JSON.parse(request) as { statusCode?: unknown };
    if (Number.isInteger(parsed.statusCode)) status = parsed.statusCode as number;
  } catch {
    // Not JSON: no status code, as API Gateway reads it.
  }
  return { request, status, answer: '' };
}
