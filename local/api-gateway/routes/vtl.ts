import { Compile, parse } from 'velocityjs';
import { jsonPathValue } from './selection';

/**
 * API Gateway's mapping templates, rendered with velocityjs (a Velocity engine for JavaScript) where it differs from
 * JavaScript, as API Gateway's Java Velocity does: integer arithmetic on integers (`$context.requestTimeEpoch / 1000`
 * is a whole number of seconds), `$util` as API Gateway defines it, and Java's `String.replaceAll` (a regex).
 */

/** `$context` of a WebSocket route, as API Gateway gives it to a mapping template. */
export interface RouteContext {
  readonly connectionId: string;
  readonly connectedAt: number;
  /** Epoch milliseconds of this request (an integer). */
  readonly requestTimeEpoch: number;
  readonly requestId: string;
  readonly eventType: 'CONNECT' | 'DISCONNECT' | 'MESSAGE';
  readonly routeKey: string;
  readonly stage: string;
  readonly apiId: string;
  readonly domainName: string;
  /** The Lambda authorizer's answer: `principalId` and its `context`, every value a string. Empty without one. */
  readonly authorizer: Readonly<Record<string, string>>;
  readonly identity: Readonly<Record<string, string>>;
}

/** Java's `StringEscapeUtils.escapeJavaScript`, which API Gateway's `$util.escapeJavaScript` is. */
export function escapeJavaScript(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    switch (ch) {
      case '"': out += '\\"'; continue;
      case '\'': out += '\\\''; continue;
      case '\\': out += '\\\\'; continue;
      case '/': out += '\\/'; continue;
      case '\b': out += '\\b'; continue;
      case '\n': out += '\\n'; continue;
      case '\t': out += '\\t'; continue;
      case '\f': out += '\\f'; continue;
      case '\r': out += '\\r'; continue;
    }
    if (code < 0x20 || code > 0x7e) {
      // Java escapes each UTF-16 unit, upper-case hex, 4 digits.
      for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`;
    } else {
      out += ch;
    }
  }
  return out;
}

/** A Java replacement string (`$1` groups, `\` escapes) as a JavaScript one (`$$` for a literal dollar sign). */
function javaReplacement(replacement: string): string {
  return replacement.replace(/\\(.)|\$(\d)|\$/g, (_m, escaped: string | undefined, group: string | undefined) => {
    if (escaped !== undefined) return escaped === '$' ? '$$' : escaped;
    return group !== undefined ? `$${group}` : '$$';
  });
}

const util = {
  escapeJavaScript,
  urlEncode: (value: unknown) => encodeURIComponent(String(value)),
  urlDecode: (value: unknown) => decodeURIComponent(String(value)),
  base64Encode: (value: unknown) => Buffer.from(String(value), 'utf8').toString('base64'),
  base64Decode: (value: unknown) => Buffer.from(String(value), 'base64').toString('utf8'),
  parseJson: (value: unknown) => JSON.parse(String(value)),
};

/** Java `String` methods whose JavaScript namesakes mean something else. */
const javaStringMethods = [
  {
    uid: 'java-replaceAll',
    match: ({ property, context }: { property: string; context: unknown }) => property === 'replaceAll' && typeof context === 'string',
    resolve: ({ context, params }: { context: string; params: unknown[] }) =>
      context.replace(new RegExp(String(params[0]), 'g'), javaReplacement(String(params[1]))),
  },
  {
    uid: 'java-replaceFirst',
    match: ({ property, context }: { property: string; context: unknown }) => property === 'replaceFirst' && typeof context === 'string',
    resolve: ({ context, params }: { context: string; params: unknown[] }) =>
      context.replace(new RegExp(String(params[0])), javaReplacement(String(params[1]))),
  },
];

interface MathAst {
  type: 'math';
  operator: string;
  expression: unknown[];
}

/** velocityjs with Java's integer division and remainder when both operands are integers. */
class JavaVelocity extends Compile {
  getExpression(ast: any): any {
    const math = ast as MathAst;
    if (math.type === 'math' && ['/', '%'].includes(math.operator)) {
      const [a, b] = math.expression.map((e) => this.getExpression(e));
      if (Number.isInteger(a) && Number.isInteger(b)) {
        if (b === 0) throw new Error('VTL: integer division by zero');
        return math.operator === '/' ? Math.trunc(a / b) : a % b;
      }
      return math.operator === '/' ? a / b : a % b;
    }
    return (Compile.prototype as any).getExpression.call(this, ast);
  }
}

/**
 * Renders a mapping template with `$context`, `$util` and `$input`: the message body (empty on `$connect`) for a request
 * template, the backend's answer for a response template. `$input.path(p)` is the value at a JSONPath, `$input.json(p)`
 * that value as JSON text (`{}` for `$` of an empty body), as API Gateway defines them.
 */
export function renderTemplate(template: string, context: RouteContext, body = ''): string {
  const compiled = new JavaVelocity(parse(template), { customMethodHandlers: javaStringMethods } as any);
  const input = {
    body,
    json: (path: string) => (path === '$' && !body ? '{}' : JSON.stringify(jsonPathValue(body, path)) ?? ''),
    path: (path: string) => jsonPathValue(body, path),
  };
  return compiled.render({ context, util, input });
}
