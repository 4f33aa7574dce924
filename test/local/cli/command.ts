import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { MOTO_VENV } from '../../../local/paths';

/** The packaged command, as `npx cdk-websocket-pusher` runs it. */
export const COMMAND = path.resolve(__dirname, '..', '..', '..', 'assets', 'local', 'cli', 'index.js');

export interface Started {
  readonly child: ChildProcess;
  readonly output: string[];
  readonly env: Record<string, string>;
  readonly webSocketUrl: string;
  readonly tableName: string;
}

/** Starts `local` on a cloud assembly; resolves once it printed its block (its endpoints and the backend environment). */
export function startCommand(app: string, port: number, extra: string[] = [], env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, [COMMAND, 'local', '--app', app, '--port', String(port), ...extra], {
    env: { ...process.env, MOTO_PYTHON: path.join(MOTO_VENV, 'bin', 'python'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      output.push(...lines);
      if (lines.some((l) => l.startsWith('Requests (Ctrl-C'))) {
        const printed = Object.fromEntries(output.filter((l) => l.startsWith('  export ')).map((l) => l.slice(9).split(/=(.*)/s).slice(0, 2)));
        const webSocketUrl = /ws:\/\/[^\s?]+/.exec(output.join('\n'))![0];
        const tableName = /connections table "([^"]+)"/.exec(output.join('\n'))![1];
        resolve({ child, output, env: printed, webSocketUrl, tableName });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.once('exit', (code) => reject(new Error(`the command exited with ${code}: ${output.join('\n')}`)));
  });
}

export async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}


/** Stops the command as Ctrl-C does; resolves once it exited. */
export async function stopCommand(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  await exited;
}
