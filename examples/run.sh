#!/usr/bin/env bash
# Builds the Python wheel and the Java jar with jsii-pacmak, synthesizes the Python and Java examples with
# them, and checks that their templates equal the TypeScript example's (test/examples/compare-templates.compare.ts).
#
#   examples/run.sh [--no-java] [--no-package]
#
#   --no-java     Python only: no jar, no Maven (the Java steps take 1.5 to 5 minutes).
#   --no-package  use the packages already in dist/ (from a previous run or a local `npx projen build`).
#
# Needs only `npm ci` before it (it bundles the handler and compiles the library itself), so it runs the same
# from a clean clone and after `npx projen build`. Idempotent: the venv is reused, the wheel and the jar are
# reinstalled every run, the cdk.out folders are re-created.
# Needs Python >= 3.10 ($PYTHON, default python3), Java >= 17 and Maven >= 3.6 (unless --no-java).
# Writes test-reports/examples-junit.xml; exits non-zero when any step fails.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

java=true package=true
for arg in "$@"; do
  case "$arg" in
    --no-java) java=false ;;
    --no-package) package=false ;;
    *) echo "usage: examples/run.sh [--no-java] [--no-package]" >&2; exit 2 ;;
  esac
done

status=0
step() {
  local started=$SECONDS
  echo "::: $*"
  if "$@"; then
    echo "::: done in $((SECONDS - started))s: $*"
  else
    echo "::: FAILED after $((SECONDS - started))s: $*"
    status=1
    return 1
  fi
}

version=$(node -p "require('./package.json').version")
wheel="dist/python/cdk_websocket_pusher-$version-py3-none-any.whl"
jar="dist/java/io/github/cdkwebsocketpusher/cdk-websocket-pusher/$version/cdk-websocket-pusher-$version.jar"
python=${PYTHON:-python3}

# The examples pin the jsii runtime to the jsii-pacmak that generates the bindings: check the pins are current.
pacmak=$(node -p "require('jsii-pacmak/package.json').version")
grep -qx "jsii==$pacmak" examples/python/requirements.txt \
  || { echo "::: FAILED: examples/python/requirements.txt must pin jsii==$pacmak (the jsii-pacmak version)"; status=1; }
grep -q "<jsii.version>$pacmak</jsii.version>" examples/java/pom.xml \
  || { echo "::: FAILED: examples/java/pom.xml must set <jsii.version>$pacmak</jsii.version> (the jsii-pacmak version)"; status=1; }

# 1. Packages: the handler bundle, the jsii assembly, then the wheel and the jar (the npm tarball too).
packaged=true
if $package; then
  rm -rf dist/python
  $java && rm -rf dist/java
  step npx projen bundle && step npx projen compile || packaged=false
  if $packaged; then
    if $java; then
      step npx projen package-all || packaged=false
    else
      step npx projen package:js && step npx projen package:python || packaged=false
    fi
  fi
fi

# 2. Python: a venv with aws-cdk-lib and constructs from PyPI (requirements.txt) and the wheel from dist/.
synth_python() (
  cd "$root/examples/python" || return 1
  [ -f "$root/$wheel" ] || { echo "no wheel: $wheel (run without --no-package)"; return 1; }
  if ! .venv/bin/python -c 'import sys; assert sys.version_info >= (3, 10)' 2>/dev/null; then
    rm -rf .venv
    "$python" -m venv .venv || return 1
  fi
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt "$root/$wheel" || return 1
  # The version does not change between builds: reinstall the wheel itself, always.
  .venv/bin/pip install --quiet --disable-pip-version-check --no-deps --force-reinstall "$root/$wheel" || return 1
  CDK_OUTDIR="$PWD/cdk.out" .venv/bin/python app.py
)

# 3. Java: aws-cdk-lib and constructs from Maven Central, the jar from dist/java (a Maven repository layout).
synth_java() (
  cd "$root/examples/java" || return 1
  [ -f "$root/$jar" ] || { echo "no jar: $jar (run without --no-package)"; return 1; }
  # Maven never re-reads a release it already has in its local repository: forget the previous build's jar.
  local cached="${MAVEN_LOCAL_REPOSITORY:-$HOME/.m2/repository}/io/github/cdkwebsocketpusher/cdk-websocket-pusher/$version"
  rm -rf "$cached"
  CDK_OUTDIR="$PWD/cdk.out" mvn --batch-mode --quiet -Dcdk-websocket-pusher.version="$version" compile exec:java || return 1
  if ! cmp -s "$cached/cdk-websocket-pusher-$version.jar" "$root/$jar"; then
    echo "cannot tell that Maven used $jar: $cached has another jar or none (set MAVEN_LOCAL_REPOSITORY to your local repository)"
    return 1
  fi
)

rm -rf examples/python/cdk.out examples/java/cdk.out
languages=python
if $packaged; then
  step synth_python
  if $java; then
    languages=python,java
    step synth_java
  fi
else
  $java && languages=python,java
  echo "::: packaging failed: the examples are not synthesized, the comparison reports their templates missing"
  status=1
fi

# 4. The comparison; it fails (never skips) when a template is missing.
export EXAMPLE_LANGUAGES=$languages JEST_JUNIT_OUTPUT_DIR=test-reports JEST_JUNIT_OUTPUT_NAME=examples-junit.xml
step npx jest --ci --coverage=false --testMatch '<rootDir>/test/examples/**/*.compare.ts'
exit $status
