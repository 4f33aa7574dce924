export type Env = Readonly<Record<string, string | undefined>>;

/** Thrown when the function is deployed without a setting it cannot work without. */
export class StreamConfigError extends Error {
  constructor(message: string) {
    super(`connection stream configuration error: ${message}`);
    this.name = 'StreamConfigError';
  }
}

/** An optional integer setting within bounds. */
export function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new StreamConfigError(`environment variable ${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

/** A setting that must be present. */
export function required(env: Env, name: string, why: string): string {
  const value = env[name]?.trim();
  if (!value) throw new StreamConfigError(`environment variable ${name} is required ${why} and was not set`);
  return value;
}
