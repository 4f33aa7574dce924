import { mkdirSync, writeFileSync } from 'fs';
import { Session } from 'inspector';
import * as path from 'path';

/** The CPU profiler of this process (the stack: dynalite + emulator), when `--profile` is on. */
export class StackProfiler {
  private readonly session = new Session();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.session.connect();
    this.session.post('Profiler.enable');
  }

  start(): void {
    this.session.post('Profiler.start');
  }

  /** Stops profiling and writes the profile to `<dir>/<name>.cpuprofile`. */
  async stop(name: string): Promise<void> {
    const profile = await new Promise<unknown>((resolve, reject) =>
      this.session.post('Profiler.stop', (error, result) => (error ? reject(error) : resolve(result.profile))));
    writeFileSync(path.join(this.dir, `${name}.cpuprofile`), JSON.stringify(profile));
  }
}
