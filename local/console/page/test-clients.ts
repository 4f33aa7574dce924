/**
 * Test clients: real browser WebSockets the developer connects from the page to the emulator, as a user (the local
 * stand-in's `?token=<user id>`) or with a token the app's authorizer accepts; each listed with its state, the messages
 * it received (newest first) and a Close button.
 */
import { element, prependCapped } from './dom';
import type { ConsoleState } from '../console-wire';

/** Opens a test client with this user id or token, and adds its panel to `container`. */
export function connectTestClient(state: ConsoleState, value: string, container: HTMLElement): void {
  const url = `${state.webSocketUrl}?${new URLSearchParams({ [state.auth.parameter]: value }).toString()}`;
  const status = element('output', { text: 'connecting…' });
  const close = element('button', { text: 'Close', className: 'secondary' });
  close.type = 'button';
  close.setAttribute('aria-label', `Close the test client ${value}`);
  const messages = element('ol', { className: 'mono' });
  messages.setAttribute('aria-live', 'polite');
  messages.setAttribute('aria-label', `Messages received by ${value}`);
  const panel = element('div', { className: 'client' },
    element('h3', {}, element('span', { text: value }), status, close), messages);
  panel.dataset.client = value;
  container.prepend(panel);

  const socket = new WebSocket(url);
  let opened = false;
  const setStatus = (text: string, className?: string) => {
    status.textContent = text;
    status.className = className ?? '';
  };
  socket.onopen = () => {
    opened = true;
    setStatus('open', 'ok');
  };
  socket.onmessage = (event: MessageEvent) => {
    prependCapped(messages, element('li', { text: typeof event.data === 'string' ? event.data : '(binary frame)' }));
  };
  socket.onclose = (event: CloseEvent) => {
    close.disabled = true;
    // A browser tells nothing of a refused upgrade: the Log has the refusal and its reason.
    setStatus(opened ? `closed (${event.code})` : 'refused: see the Log', opened ? undefined : 'bad');
  };
  close.addEventListener('click', () => socket.close(1000));
}
