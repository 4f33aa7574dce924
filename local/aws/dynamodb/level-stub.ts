/**
 * What the local command's bundle gets for `level`: dynalite requires it at load but uses it only to keep tables on disk
 * (`path`), which the command never asks for; its in-memory store (`memory-level`) is pure JavaScript. Bundling `level`
 * would bundle a native addon that cannot be found from the bundle.
 */
export class Level {
  constructor() {
    throw new Error('dynalite on disk is not available in the local command: its tables are in memory');
  }
}
