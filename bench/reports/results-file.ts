import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import * as path from 'path';

/** Writes a results file (pretty JSON, a final newline), creating its folder. */
export function writeResults(file: string, results: object): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}

export function readResults<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Where results files go by default: `bench/results/`. */
export const RESULTS_DIR = path.resolve(__dirname, '..', 'results');
