/**
 * The one command-line parser of every bench command (`node:util` `parseArgs`): a command declares its options once,
 * with their kind and help, and gets typed values and a `--help` that prints them. Defaults stay with the command
 * (`values.x ?? default`), since some depend on other options (`--quick`).
 */
import { parseArgs } from 'util';

/** An option, by how its value is read. */
export type OptionSpec =
  /** `--name`: true when given. */
  | { readonly kind: 'flag'; readonly help: string }
  /** `--name N`: an integer (underscores allowed, `50_000`), at least `min` (default 1). */
  | { readonly kind: 'integer'; readonly arg: string; readonly min?: number; readonly help: string }
  /** `--name 1,2,3`: integers as above; `none` is the empty list. */
  | { readonly kind: 'integers'; readonly arg: string; readonly min?: number; readonly help: string }
  /** `--name a,b`: names. */
  | { readonly kind: 'names'; readonly arg: string; readonly help: string }
  /** `--name VALUE`: a string as given. */
  | { readonly kind: 'text'; readonly arg: string; readonly help: string };

export interface CommandSpec<S extends Record<string, OptionSpec>> {
  /** How the command is run, after `usage: `, e.g. `npm run bench -- [options]`. */
  readonly usage: string;
  readonly options: S;
  /** Positional arguments are accepted (named in `usage`). @default false */
  readonly positionals?: boolean;
}

type ValueOf<O extends OptionSpec> = O extends { kind: 'flag' } ? boolean
  : O extends { kind: 'integer' } ? number
    : O extends { kind: 'integers' } ? number[]
      : O extends { kind: 'names' } ? string[]
        : string;

/** The options given, typed by their kind; undefined when absent. */
export type OptionValues<S extends Record<string, OptionSpec>> = { readonly [K in keyof S]?: ValueOf<S[K]> };

/** Options after this column are aligned to it; a longer one gets its help two spaces after it. */
const LABEL_WIDTH = 22;

/** Parses `argv` (default: this process's arguments); with `--help`, prints the usage and exits. */
export function parseCommand<S extends Record<string, OptionSpec>>(
  command: CommandSpec<S>, argv = process.argv.slice(2),
): { values: OptionValues<S>; positionals: string[] } {
  const names = Object.keys(command.options);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: command.positionals ?? false,
    options: {
      help: { type: 'boolean' },
      ...Object.fromEntries(names.map((name) => [name, { type: command.options[name].kind === 'flag' ? 'boolean' : 'string' } as const])),
    },
  });
  if (values.help) {
    console.log(helpText(command));
    process.exit(0);
  }
  const given = values as Record<string, string | boolean | undefined>;
  const typed: Record<string, unknown> = {};
  for (const name of names) {
    const raw = given[name];
    if (raw !== undefined) typed[name] = read(name, command.options[name], raw);
  }
  return { values: typed as OptionValues<S>, positionals };
}

function read(name: string, spec: OptionSpec, raw: string | boolean): unknown {
  if (spec.kind === 'flag' || typeof raw === 'boolean') return raw;
  switch (spec.kind) {
    case 'integer': return integer(name, raw, spec.min ?? 1);
    case 'integers': return raw === 'none' ? [] : raw.split(',').map((item) => integer(name, item, spec.min ?? 1));
    case 'names': return raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
    default: return raw;
  }
}

function integer(name: string, raw: string, min: number): number {
  const n = Number(raw.replace(/_/g, ''));
  if (raw.trim() === '' || !Number.isInteger(n) || n < min) throw new Error(`--${name}: expected an integer ≥ ${min}, got '${raw}'`);
  return n;
}

/** `usage: …` and one entry per option, its help's further lines indented under the first. */
export function helpText(command: CommandSpec<Record<string, OptionSpec>>): string {
  const lines = [`usage: ${command.usage}`];
  for (const [name, spec] of Object.entries(command.options)) {
    const label = spec.kind === 'flag' ? `--${name}` : `--${name} ${spec.arg}`;
    const [first, ...rest] = spec.help.split('\n');
    lines.push(`  ${label.padEnd(LABEL_WIDTH)}  ${first}`, ...rest.map((line) => `${' '.repeat(LABEL_WIDTH + 4)}${line}`));
  }
  return lines.join('\n');
}
