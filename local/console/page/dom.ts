/**
 * The few DOM helpers the console's page is written with. Every text goes in as `textContent`, never as HTML: a user
 * id, a context value or a message's data is shown as the characters it is, whatever it holds.
 */

/** The most rows a feed keeps: the newest first, the oldest dropped. */
export const MAX_ROWS = 100;

/** A table cell's text and, optionally, its class (`ok`, `bad`, `data`, `id`). */
export type Cell = string | { readonly text: string; readonly className?: string };

/** The page's element with this id; the page and its script are built together, so a missing one is a bug. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the console page has no #${id}`);
  return found as T;
}

/** A new element with this text (if any) and class (if any), and these children. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K, options: { readonly text?: string; readonly className?: string } = {}, ...children: Node[]
): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  if (options.className) created.className = options.className;
  if (options.text !== undefined) created.textContent = options.text;
  created.append(...children);
  return created;
}

/** A table row of these cells. */
export function tableRow(cells: readonly Cell[]): HTMLTableRowElement {
  const row = element('tr');
  for (const cell of cells) {
    row.append(typeof cell === 'string' ? element('td', { text: cell }) : element('td', { text: cell.text, className: cell.className }));
  }
  return row;
}

/** Puts a row (or an item) first in a feed, and drops the oldest beyond `MAX_ROWS`. */
export function prependCapped(feed: HTMLElement, item: HTMLElement): void {
  feed.prepend(item);
  while (feed.childElementCount > MAX_ROWS) feed.lastElementChild!.remove();
}

/** An epoch-milliseconds time as the developer's clock shows it, to the millisecond (`14:03:27.512`). */
export function clock(at: number): string {
  const time = new Date(at);
  return `${time.toTimeString().slice(0, 8)}.${String(time.getMilliseconds()).padStart(3, '0')}`;
}

/** The class an outcome is shown in: good news green, bad news red, the rest plain. */
export function outcomeClass(outcome: string): string | undefined {
  if (/^(ok|delivered|subscribed|unsubscribed|published|accepted|open|matched)$/.test(outcome)) return 'ok';
  if (/^(failed|invalid|refused|error|gone|forbidden|unrouted|throttled|rejected)$/.test(outcome)) return 'bad';
  return undefined;
}

/** Sends JSON to the console's server and resolves with its answer (`{ ok, message }`), a network failure included. */
export async function postJson(path: string, body: unknown): Promise<{ ok: boolean; message: string }> {
  try {
    const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answer = await response.json() as { ok?: boolean; message?: string };
    return { ok: response.ok && answer.ok === true, message: answer.message ?? `${response.status}` };
  } catch (error) {
    return { ok: false, message: `the console's server did not answer: ${(error as Error).message}` };
  }
}
