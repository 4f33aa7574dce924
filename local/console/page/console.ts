/**
 * The `local` command's console in the browser (no framework): the connections, live, with a Disconnect button each;
 * the feeds of what happens (`feeds.ts`), streamed by the server as Server-Sent Events; a form that connects a test
 * client (`test-clients.ts`) and one that publishes a request to the real local queue or topic.
 */
import { byId, element, postJson, tableRow } from './dom';
import { clearFeeds, showActivity } from './feeds';
import { connectTestClient } from './test-clients';
import type { Activity } from '../../activity';
import type { ConsoleConnection, ConsoleState } from '../console-wire';

/** The activities after which the connections are read again: who is connected, subscribed, sent to. */
const CHANGES_CONNECTIONS = new Set<Activity['kind']>(['connected', 'disconnected', 'channel', 'post']);

/** Each connection's user, as last seen: a delivery's activity names only its connection. */
const users = new Map<string, string>();
let state: ConsoleState | undefined;
let refreshing: ReturnType<typeof setTimeout> | undefined;

async function readState(): Promise<ConsoleState> {
  const response = await fetch('/console/state');
  if (!response.ok) throw new Error(`GET /console/state: ${response.status}`);
  return await response.json() as ConsoleState;
}

/** Reads the connections again, soon: one read for a burst of activities. */
function refreshSoon(): void {
  refreshing ??= setTimeout(() => {
    refreshing = undefined;
    readState().then(showState, () => undefined);
  }, 150);
}

function showState(next: ConsoleState): void {
  state = next;
  for (const c of next.connections) if (c.userId !== undefined) users.set(c.connectionId, c.userId);
  byId('connections').replaceChildren(...next.connections.map(connectionRow));
  byId('connections-count').textContent = `(${next.connections.length})`;
  byId('connections-empty').hidden = next.connections.length > 0;
}

function connectionRow(connection: ConsoleConnection): HTMLTableRowElement {
  const context = Object.entries(connection.context).map(([k, v]) => `${k}=${v}`).join(' ');
  const row = tableRow([
    connection.userId ?? '(none)',
    { text: connection.connectionId, className: 'id' },
    { text: context, className: 'mono' },
    connection.channels.join(', '),
    String(connection.sent),
  ]);
  const action = element('td');
  if (connection.live) {
    const button = element('button', { text: 'Disconnect', className: 'secondary' });
    button.type = 'button';
    button.setAttribute('aria-label', `Disconnect ${connection.connectionId} (${connection.userId ?? 'no user'})`);
    button.addEventListener('click', () => void disconnect(connection.connectionId, button));
    action.append(button);
  } else {
    row.className = 'stale';
    action.textContent = 'row only (gone without $disconnect)';
  }
  row.dataset.connectionId = connection.connectionId;
  row.append(action);
  return row;
}

async function disconnect(connectionId: string, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  const answer = await postJson('/console/disconnect', { connectionId });
  const result = byId('connections-result');
  result.textContent = answer.message;
  result.className = answer.ok ? 'ok' : 'bad';
  refreshSoon();
}

/** The forms, once the server has said where clients connect and where requests can go. */
function setUpForms(first: ConsoleState): void {
  byId('ws-url').textContent = first.webSocketUrl;
  byId('connections-panel').classList.toggle('no-channels', !first.channels);
  const { auth } = first;
  byId('connect-label').textContent = auth.asks === 'user id' ? 'User id' : 'Token';
  byId<HTMLInputElement>('connect-identity').placeholder = auth.hint ?? (auth.asks === 'user id' ? 'bob' : '');
  byId('connect-note').textContent = auth.unsupported
    ?? (auth.asks === 'user id'
      ? `Connects as this user: the local stand-in believes ?${auth.parameter}=<user id>.`
      : `Connects with ?${auth.parameter}=<token>: your app's authorizer decides${auth.hint ? ` (e.g. ${auth.hint})` : ''}.`);
  const connectForm = byId<HTMLFormElement>('connect-form');
  if (auth.unsupported) for (const control of connectForm.elements) (control as HTMLInputElement).disabled = true;
  connectForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>('connect-identity');
    if (state && input.value) connectTestClient(state, input.value, byId('test-clients'));
  });
  setUpPublish(first);
}

function setUpPublish(first: ConsoleState): void {
  const targets = byId('publish-targets');
  const labels = { queue: 'the request queue (SQS)', topic: 'the topic (SNS)' };
  first.targets.forEach((target, i) => {
    const radio = element('input');
    Object.assign(radio, { type: 'radio', name: 'target', value: target, checked: i === 0 });
    targets.append(element('label', {}, radio, document.createTextNode(` ${labels[target]}`)));
  });
  const button = byId<HTMLButtonElement>('publish-button');
  const result = byId('publish-result');
  if (first.targets.length === 0) {
    button.disabled = true;
    result.textContent = 'The pusher has no request queue and no topic here.';
  }
  byId<HTMLFormElement>('publish-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const target = (targets.querySelector('input:checked') as HTMLInputElement | null)?.value;
    button.disabled = true;
    result.textContent = 'publishing…';
    void postJson('/console/publish', { target, body: byId<HTMLTextAreaElement>('publish-body').value }).then((answer) => {
      button.disabled = false;
      result.textContent = answer.message;
      result.className = answer.ok ? 'ok' : 'bad';
    });
  });
}

/** The activity stream: the server replays the recent activities on every (re)connection, so the feeds start empty. */
function follow(): void {
  const status = byId('feed-status');
  const events = new EventSource('/console/events');
  events.onopen = () => {
    clearFeeds();
    status.textContent = 'live';
  };
  events.onerror = () => {
    status.textContent = 'reconnecting…';
  };
  events.onmessage = (message: MessageEvent<string>) => {
    const activity = JSON.parse(message.data) as Activity;
    if (activity.kind === 'connected' && activity.principalId !== undefined) users.set(activity.connectionId, activity.principalId);
    showActivity(activity, (connectionId) => users.get(connectionId));
    if (CHANGES_CONNECTIONS.has(activity.kind)) refreshSoon();
  };
}

readState().then((first) => {
  setUpForms(first);
  showState(first);
  follow();
}, (error: Error) => {
  byId('feed-status').textContent = `the console's server did not answer: ${error.message}`;
});
