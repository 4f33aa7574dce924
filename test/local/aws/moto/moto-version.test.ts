import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { MOTO_VERSION } from '../../../../local/aws/moto/moto-server';
import { MOTO_VENV } from '../../../../local/paths';

// One moto version everywhere: the one the install script installs by default, the one the missing-moto hint names,
// and the one these tests run against.

test('install-moto.sh installs the version the hint names, and the tests run that version', () => {
  const script = readFileSync(path.resolve(__dirname, '..', '..', '..', '..', 'local', 'aws', 'moto', 'install-moto.sh'), 'utf8');
  expect(/^MOTO_VERSION="\$\{MOTO_VERSION:-([^}]+)\}"$/m.exec(script)?.[1]).toBe(MOTO_VERSION);
  const installed = spawnSync(path.join(MOTO_VENV, 'bin', 'python'), ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8' });
  expect(installed.stdout.trim()).toBe(MOTO_VERSION);
});
