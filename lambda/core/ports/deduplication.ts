/** The deduplication port: requests remembered by key within a window. `PowertoolsDeduplication` (adapters/) implements it. */

/** What claiming a request's key found: new, already completed within the window, or being processed elsewhere. */
export type Claim = 'fresh' | 'duplicate' | 'in-progress';

export interface Deduplication {
  /** Claims `key` for this invocation (for at most `remainingMs`, after which another may take it over). */
  claim(key: string, remainingMs?: number): Promise<Claim>;
  /** The claimed request completed: its key is remembered for the window. */
  complete(key: string): Promise<void>;
  /** The claimed request failed and will be retried: its key is forgotten. */
  release(key: string): Promise<void>;
}
