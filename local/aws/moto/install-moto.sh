#!/usr/bin/env bash
# Installs moto's server (real SQS- and SNS-compatible endpoints) into .venv-moto/ at the repository's root, for the local
# system's queues and topics (the e2e tests, the local command run from source, the benchmarks). Idempotent: does
# nothing when the pinned version is already there.
set -euo pipefail
cd "$(dirname "$0")/../../.."
MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
VENV=.venv-moto
PYTHON="${PYTHON:-python3}"

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import moto, sys; sys.exit(0 if moto.__version__ == '$MOTO_VERSION' else 1)" 2>/dev/null; then
  echo "moto $MOTO_VERSION already installed in $VENV"
  exit 0
fi
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
"$VENV/bin/python" -c "import moto; print('moto', moto.__version__, 'installed in $VENV')"
