import { Construct } from 'constructs';
import { throwIfInvalid } from './prop-errors';
import { warnOfReplacements } from './replacement-warnings';
import { propViolations } from './validate-props';
import { WebsocketPusherProps } from '../websocket-pusher-props';

/** Throws on the props' violations (all of them at once); then warns of the set props whose change replaces a stateful resource. */
export function checkProps(scope: Construct, props: WebsocketPusherProps): void {
  throwIfInvalid(scope, propViolations(props));
  warnOfReplacements(scope, props);
}
