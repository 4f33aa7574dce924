import { IConstruct } from 'constructs';

/**
 * A word or a dotted path outside `{…}`, quotes and calls: a prop as TypeScript and Java spell it (`maxInFlight`,
 * `segmentedBroadcast.timeMargin`, `alarms.oldestMessageAge`) when its Python spelling differs (has an `_`).
 */
const PROP = /(?<![\w.{$'/])[a-z][a-zA-Z0-9]*(?:\.[a-z][a-zA-Z0-9]*)*(?![\w(}])/g;

const PREFIX = 'WebsocketPusher: ';

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The Python names of the props a message names. */
function pythonNames(message: string): string[] {
  return [...new Set(message.match(PROP) ?? [])].map(snake).filter((name) => name.includes('_'));
}

/**
 * Throws one error listing every violation, so that it reads right in Python as in TypeScript and Java: the construct's
 * path and the Python names of the props each message names are appended. One violation:
 * `WebsocketPusher: maxInFlight must be an integer from 1 to 10000, got 0 [TestStack/Pusher; Python: max_in_flight]`.
 * Several: `WebsocketPusher: 2 errors in the props [TestStack/Pusher]:`, then a line per violation, each with its own
 * `[Python: …]`.
 */
export function throwIfInvalid(scope: IConstruct, violations: readonly string[]): void {
  if (violations.length === 0) return;
  if (violations.length === 1) {
    const python = pythonNames(violations[0]);
    throw new Error(`${violations[0]} [${scope.node.path}${python.length ? `; Python: ${python.join(', ')}` : ''}]`);
  }
  const lines = violations.map((violation) => {
    const message = violation.startsWith(PREFIX) ? violation.slice(PREFIX.length) : violation;
    const python = pythonNames(message);
    return `  - ${message}${python.length ? ` [Python: ${python.join(', ')}]` : ''}`;
  });
  throw new Error(`${PREFIX}${violations.length} errors in the props [${scope.node.path}]:\n${lines.join('\n')}`);
}
