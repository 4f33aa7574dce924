/**
 * API Gateway's WebSocket selection expressions ("WebSocket selection expressions"): a route selection expression
 * (`$request.body.action`), an integration's template selection expression (`${request.body.x}`, a static value, or
 * `\$default`), an integration response's (also `${integration.response.statuscode}`). A `$` is escaped as `\$`.
 */
import { JSONPath } from 'jsonpath-plus';

/** What an expression can read: the message's body (JSON text) and, for an integration response, the status. */
export interface SelectionInputs {
  readonly body?: string;
  readonly status?: number;
}

/** The value at a JSONPath (`$`, `$.a.b`, `$['a'][0]`) of a JSON text, or `undefined` (also when it is not JSON). */
export function jsonPathValue(body: string | undefined, path: string): unknown {
  if (!body) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (path === '$') return json;
  if (json === null || typeof json !== 'object') return undefined;
  return JSONPath({ path, json: json as object, wrap: false });
}

/**
 * Evaluates a selection expression to its key; `undefined` when a variable it reads is absent (API Gateway then
 * selects `$default`). Variables: `request.body.<path>` and `integration.response.statuscode`.
 */
export function evaluateSelection(expression: string, inputs: SelectionInputs): string | undefined {
  let missing = false;
  const value = (variable: string): string => {
    const body = /^request\.body\.(.+)$/.exec(variable);
    const found = body ? jsonPathValue(inputs.body, `$.${body[1]}`)
      : variable === 'integration.response.statuscode' ? inputs.status : undefined;
    if (found === undefined || found === null || typeof found === 'object') missing = true;
    return found === undefined || found === null ? '' : String(found);
  };
  const key = expression
    .replace(/\\\$/g, '\u0000')
    .replace(/\$\{([^}]+)\}|\$([A-Za-z][\w.]*)/g, (_m, braced: string | undefined, bare: string | undefined) => value(braced ?? bare!))
    .replace(/\u0000/g, '$');
  return missing ? undefined : key;
}

/** The template an expression selects among `templates`: its key's, else `$default`'s. */
export function selectTemplate(
  templates: Readonly<Record<string, unknown>> | undefined, expression: string | undefined, inputs: SelectionInputs,
): unknown {
  if (!templates) return undefined;
  const key = expression === undefined ? '$default' : evaluateSelection(expression, inputs);
  return (key !== undefined ? templates[key] : undefined) ?? templates.$default;
}
