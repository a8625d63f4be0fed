#!/usr/bin/env bash
# Builds what the Python, TypeScript and Java SDK suites need and runs them against a real Caracal
# server (the built CLI jar, started by each suite on a temporary CARACAL_HOME).
#
#   sdk/run-tests.sh              # all suites, in two lanes side by side (CARACAL_SDK_SERIAL=1: one by one)
#   sdk/run-tests.sh python       # one of them
#   sdk/run-tests.sh typescript
#   sdk/run-tests.sh java
#   sdk/run-tests.sh go           # installs Debian's golang with apt-get when `go` is missing
#
# Builds cli/target/caracal.jar when it is missing (CARACAL_JAR points elsewhere). When the jar
# exists the integration tests must run (CARACAL_SDK_REQUIRE_SERVER=1); only when it cannot be
# built are they skipped, with a message. Exits non-zero when any suite fails.
set -euo pipefail
sdk="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$sdk")"
# the default order balances the two lanes: TypeScript then Python beside Go then Java
if [ $# -eq 0 ]; then suites=(typescript go python java); else suites=("$@"); fi

jar="${CARACAL_JAR:-$root/cli/target/caracal.jar}"
if [ ! -f "$jar" ]; then
  echo "sdk: building the caracal jar for the integration tests (./mvnw -pl cli -am install -DskipTests)" >&2
  if ! (cd "$root" && ./mvnw -q -B -pl cli -am install -DskipTests >&2); then
    echo "sdk: WARNING: the caracal jar could not be built; the integration tests will be skipped" >&2
  fi
fi
if [ -f "$jar" ]; then
  export CARACAL_SDK_REQUIRE_SERVER=1
fi

failed=()

run_python() {
  echo "== sdk/python: python3 -m unittest"
  if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "sdk/python needs Python 3.11 or newer (it reads profiles with tomllib); found $(python3 --version 2>&1)" >&2
    return 1
  fi
  (cd "$sdk/python" && PYTHONDONTWRITEBYTECODE=1 python3 -m unittest -v 2>&1)
}

run_go() {
  echo "== sdk/go: go vet, go test"
  if ! command -v go >/dev/null 2>&1; then
    echo "sdk/go: no \`go\` on PATH; installing Debian's golang (apt-get update && apt-get install -y golang)" >&2
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo -n"; fi
    $sudo apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q golang >&2 || {
      echo "sdk/go: could not install golang with apt-get" >&2
      return 1
    }
  fi
  (
    cd "$sdk/go"
    go vet ./...
    (cd "$root/examples/agents/go" && go vet .)
    go test -count=1 -v ./... 2>&1
  )
}

run_typescript() {
  echo "== sdk/typescript: npm ci, tsc, node --test"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$major" -lt 20 ]; then
    echo "sdk/typescript needs Node.js 20 or newer; found $(node --version 2>&1 || echo none)" >&2
    return 1
  fi
  (
    cd "$sdk/typescript"
    npm ci --no-audit --no-fund --loglevel=error
    rm -rf dist
    ./node_modules/.bin/tsc -p .
    node --test dist/test/*.test.js
  )
}

run_java() {
  echo "== sdk/java: ./mvnw -f sdk/java/pom.xml verify"
  (cd "$root" && ./mvnw -q -B -f sdk/java/pom.xml verify)
}

run_suite() {
  case "$1" in
    python) run_python ;;
    typescript) run_typescript ;;
    java) run_java ;;
    go) run_go ;;
  esac
}

for suite in "${suites[@]}"; do
  case "$suite" in
    python|typescript|java|go) ;;
    *) echo "usage: sdk/run-tests.sh [python] [typescript] [java] [go]" >&2; exit 2 ;;
  esac
done

if [ "${#suites[@]}" -eq 1 ] || [ "${CARACAL_SDK_SERIAL:-0}" = 1 ]; then
  for suite in "${suites[@]}"; do
    run_suite "$suite" || failed+=("$suite")
  done
else
  # Two lanes side by side (each suite waits on its own servers much of the time); every suite's
  # output is kept in a file and printed whole, in the order asked, once both lanes are done.
  # CARACAL_SDK_SERIAL=1 runs them one after another instead.
  logs="$(mktemp -d)"
  trap 'rm -rf "$logs"' EXIT
  lane() {
    for suite in "$@"; do
      if run_suite "$suite" >"$logs/$suite.log" 2>&1; then echo ok >"$logs/$suite.rc"; else echo failed >"$logs/$suite.rc"; fi
    done
  }
  first=() second=()
  for i in "${!suites[@]}"; do
    if [ $((i % 2)) -eq 0 ]; then first+=("${suites[$i]}"); else second+=("${suites[$i]}"); fi
  done
  lane "${first[@]}" &
  lane_one=$!
  lane "${second[@]}" &
  lane_two=$!
  wait "$lane_one" "$lane_two" || true
  for suite in "${suites[@]}"; do
    cat "$logs/$suite.log"
    if [ "$(cat "$logs/$suite.rc" 2>/dev/null)" != ok ]; then failed+=("$suite"); fi
  done
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "sdk: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "sdk: all suites passed (${suites[*]})"
