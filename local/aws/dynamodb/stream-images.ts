import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** An item, a key or an image, in DynamoDB's JSON. */
export type Item = Record<string, AttributeValue>;

/** A table's key attributes, as CreateTable and a template declare them. */
export type KeySchema = ReadonlyArray<{ readonly AttributeName: string; readonly KeyType: string }>;

/** The key attributes of an item (or of a request's `Key`), or `undefined` when one is missing. */
export function keyOf(item: Item | undefined, keySchema: KeySchema): Item | undefined {
  if (!item) return undefined;
  const key: Item = {};
  for (const { AttributeName } of keySchema) {
    const value = item[AttributeName];
    if (value === undefined) return undefined;
    key[AttributeName] = value;
  }
  return key;
}

/**
 * A value's canonical text: map keys sorted and set members sorted, so that two images DynamoDB considers equal (maps
 * and sets carry no order) have the same text.
 */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const text = (k: string, v: unknown) => (['SS', 'NS', 'BS'].includes(k) && Array.isArray(v) ? JSON.stringify([...v].sort()) : canonical(v));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${text(k, v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Whether two images hold the same attributes and values (a write that changes nothing writes no stream record). */
export function sameImage(a: Item | undefined, b: Item | undefined): boolean {
  return canonical(a ?? null) === canonical(b ?? null);
}

/**
 * An item's size as DynamoDB counts it, near enough for a stream record's `SizeBytes`: names and strings in UTF-8
 * bytes, binaries decoded, numbers about one byte per two significant digits plus one, lists and maps 3 bytes plus
 * 1 per element.
 */
export function itemSize(item: Item | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value), 0);
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return binarySize(value.B);
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((sum, s) => sum + Buffer.byteLength(s), 0);
  if (value.NS) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS) return value.BS.reduce((sum, b) => sum + binarySize(b), 0);
  if (value.L) return 3 + value.L.reduce((sum, v) => sum + 1 + valueSize(v), 0);
  if (value.M) return 3 + Object.entries(value.M).reduce((sum, [k, v]) => sum + 1 + Buffer.byteLength(k) + valueSize(v), 0);
  return 0;
}

function numberSize(n: string): number {
  const digits = n.replace(/^-/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

/** In JSON a binary is base64 text (the SDK's JSON protocol); in memory it may already be bytes. */
function binarySize(b: unknown): number {
  return typeof b === 'string' ? Buffer.from(b, 'base64').length : (b as Uint8Array).byteLength;
}

/**
 * An item as DynamoDB's JSON carries it (what a stream record holds and Lambda delivers): binaries as base64 text. The
 * SDK hands them as bytes; a request on the wire already has them as text.
 */
export function wireItem(item: Item): Item;
export function wireItem(item: Item | undefined): Item | undefined;
export function wireItem(item: Item | undefined): Item | undefined {
  return item && Object.fromEntries(Object.entries(item).map(([name, value]) => [name, wireValue(value)]));
}

function wireValue(value: AttributeValue): AttributeValue {
  const base64 = (b: unknown) => (typeof b === 'string' ? b : Buffer.from(b as Uint8Array).toString('base64'));
  if (value.B !== undefined) return { B: base64(value.B) as never };
  if (value.BS) return { BS: value.BS.map(base64) as never };
  if (value.L) return { L: value.L.map(wireValue) };
  if (value.M) return { M: wireItem(value.M) };
  return value;
}
