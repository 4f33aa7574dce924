import { IConstruct } from 'constructs';

/** A prop path as TypeScript and Java spell it (`maxInFlight`, `segmentedBroadcast.timeMargin`), outside `{…}` and calls. */
const PROP = /(?<![\w.{$'/])[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+(?:\.[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*)*(?![\w(}])/g;

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Runs `validate`; an error it throws gets the construct's path and the Python names of the props it names appended,
 * so that it reads right in Python as in TypeScript and Java: `… got 0 [TestStack/Pusher; Python: max_in_flight]`.
 */
export function withPropNames(scope: IConstruct, validate: () => void): void {
  try {
    validate();
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    const python = [...new Set(error.message.match(PROP) ?? [])].map(snake).filter((name) => name.includes('_'));
    error.message = `${error.message} [${scope.node.path}${python.length ? `; Python: ${python.join(', ')}` : ''}]`;
    throw error;
  }
}
