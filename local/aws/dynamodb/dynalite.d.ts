// dynalite ships no type declarations; this covers the part the local stack uses.
declare module 'dynalite' {
  import type { Server } from 'http';

  interface DynaliteOptions {
    /** Directory of a LevelDB store; in memory when absent. */
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
  }

  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}
