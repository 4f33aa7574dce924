/**
 * How API Gateway picks a non-proxy WebSocket integration's response ("Set up a WebSocket API integration response in
 * API Gateway"): each integration response has a key, a regular expression written `/expression/` and matched against
 * the integration's status code, or `$default`, chosen when no expression matches. "For non-proxy integrations, you must
 * set up at least one integration response": where none matches, the route fails with the error below (the message
 * API Gateway logs, as users quote it on re:Post).
 */
import { selectTemplate } from './selection';
import { renderTemplate, type RouteContext } from './vtl';
import type { IntegrationResponseSpec } from '../../template/api';

/** The integration response for `status`, or `undefined` when none matches and there is no `$default`. */
export function selectIntegrationResponse(responses: readonly IntegrationResponseSpec[], status: number): IntegrationResponseSpec | undefined {
  // An expression must match the whole status code (as a Java `matches`, which API Gateway's selection patterns are).
  const matching = responses.find((r) => r.key !== '$default' && new RegExp(`^(?:${pattern(r.key)})$`).test(String(status)));
  return matching ?? responses.find((r) => r.key === '$default');
}

/** What API Gateway logs when no integration response matches: the route fails. */
export function noOutputMapping(status: number): string {
  return `Execution failed due to configuration error: No match for output mapping and no default output mapping configured. Endpoint response status code: ${status}`;
}

/** `/2\d\d/` → `2\d\d`. A key that is neither `$default` nor `/…/` is refused by API Gateway at deploy time. */
function pattern(key: string): string {
  const match = /^\/(.*)\/$/s.exec(key);
  if (!match) throw new Error(`an integration response key is $default or /expression/, got ${key}`);
  return match[1];
}

/**
 * What a two-way route sends back: the integration response's template (its selection expression evaluated against
 * the message body and the status), rendered with `$input` = the backend's answer; without a template, the answer as
 * it is.
 */
export function responseFrame(
  selected: IntegrationResponseSpec, answer: string, status: number, requestBody: string, context: RouteContext,
): string {
  const template = selectTemplate(selected.responseTemplates, selected.templateSelectionExpression, { body: requestBody, status });
  return template === undefined ? answer : renderTemplate(String(template), context, answer);
}
