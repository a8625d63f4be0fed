#!/usr/bin/env bash
# STS load benchmark on loopback, in one run: Keycloak issuing client_credentials tokens to a
# confidential client (the peer, as nginx is for the Gateway), then Caracal's token exchange and
# its metadata GET (TokenExchangeLoad, server in the load generator's JVM, embedded H2). Same
# closed-loop keep-alive clients for both. Prints a table and the ratio Caracal exchanges/s ÷
# Keycloak client_credentials/s, with the machine and the load average at start and end.
#
# A token exchange does more work than client_credentials: it verifies a session token, decides
# against the zone's policies and records the decision durably in the ledger before answering.
# Keycloak stays up (idle) while Caracal is measured.
#
# Usage: bench/sts-load.sh [--seconds 15] [--concurrency 32]
# Environment: SKIP_BUILD=1 (use bench/target/benchmarks.jar as built), KC_VERSION (default
# 26.7.3, fetched from Maven as org.keycloak:keycloak-quarkus-dist:zip and unpacked under
# CACHE_DIR, default ~/.cache/caracal-bench), KC_JAVA_HOME (a JDK >= 21, default the newest
# /usr/lib/jvm/temurin-2*), KC_HEAP (default -Xms256m -Xmx512m), KC_PORT (default 18190),
# CARACAL_JAVA (default java on the PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_ARG=15
CONCURRENCY=32
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_ARG=$2; shift 2 ;;
    --concurrency) CONCURRENCY=$2; shift 2 ;;
    *) echo "sts-load: unknown option \`$1\` (use --seconds N, --concurrency N)" >&2; exit 2 ;;
  esac
done
KC_VERSION=${KC_VERSION:-26.7.3}
CACHE_DIR=${CACHE_DIR:-$HOME/.cache/caracal-bench}
KC_PORT=${KC_PORT:-18190}
KC_HEAP=${KC_HEAP:--Xms256m -Xmx512m}
CARACAL_JAVA=${CARACAL_JAVA:-java}
if [ -z "${KC_JAVA_HOME:-}" ]; then
  KC_JAVA_HOME=$(ls -d /usr/lib/jvm/temurin-2[1-9]* /usr/lib/jvm/*-2[1-9]-* 2>/dev/null | sort -V | tail -1 || true)
fi
if [ -z "$KC_JAVA_HOME" ] || [ ! -x "$KC_JAVA_HOME/bin/java" ]; then
  echo "sts-load: Keycloak needs a JDK >= 21; set KC_JAVA_HOME" >&2
  exit 2
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$KC_PORT") 2>/dev/null; then
  echo "sts-load: port $KC_PORT is taken; set KC_PORT" >&2
  exit 2
fi

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  ./mvnw -B -q -pl bench -am package -DskipTests
fi

KC_DIR="$CACHE_DIR/keycloak-$KC_VERSION"
if [ ! -x "$KC_DIR/bin/kc.sh" ]; then
  mkdir -p "$CACHE_DIR"
  ZIP="$CACHE_DIR/keycloak-quarkus-dist-$KC_VERSION.zip"
  if [ ! -f "$ZIP" ]; then
    ./mvnw -B -q dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$KC_VERSION:zip" -DoutputDirectory="$CACHE_DIR"
  fi
  unzip -q -o "$ZIP" -d "$CACHE_DIR"
fi

WORK=$(mktemp -d /tmp/caracal-sts-load.XXXXXX)
KC_PID=
cleanup() {
  if [ -n "$KC_PID" ]; then
    kill "$KC_PID" 2>/dev/null || true
    wait "$KC_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
# A fresh copy per run: start-dev keeps its H2 database under data/, which must not carry over.
cp -r "$KC_DIR" "$WORK/keycloak"
KC_ADMIN_PASSWORD="bench-$$-$RANDOM"
JAVA_HOME="$KC_JAVA_HOME" JAVA_OPTS_KC_HEAP="$KC_HEAP" \
  KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD="$KC_ADMIN_PASSWORD" \
  "$WORK/keycloak/bin/kc.sh" start-dev --http-port "$KC_PORT" --http-host 127.0.0.1 >"$WORK/keycloak.log" 2>&1 &
KC_PID=$!

KC="http://127.0.0.1:$KC_PORT"
for _ in $(seq 1 240); do
  if curl -sf -o /dev/null "$KC/realms/master/.well-known/openid-configuration"; then
    break
  fi
  if ! kill -0 "$KC_PID" 2>/dev/null; then
    echo "sts-load: keycloak exited:" >&2
    cat "$WORK/keycloak.log" >&2
    exit 1
  fi
  sleep 0.5
done
if ! curl -sf -o /dev/null "$KC/realms/master/.well-known/openid-configuration"; then
  echo "sts-load: keycloak did not start in 120 s:" >&2
  tail -50 "$WORK/keycloak.log" >&2
  exit 1
fi

json_field() { sed -n "s/.*\"$1\" *: *\"\([^\"]*\)\".*/\1/p"; }
ADMIN_TOKEN=$(curl -sf "$KC/realms/master/protocol/openid-connect/token" \
  -d grant_type=password -d client_id=admin-cli -d username=admin --data-urlencode "password=$KC_ADMIN_PASSWORD" | json_field access_token)
CLIENT_SECRET="bench-secret-$$-$RANDOM"
curl -sf -X POST "$KC/admin/realms" -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
  -d '{"realm":"bench","enabled":true}'
curl -sf -X POST "$KC/admin/realms/bench/clients" -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
  -d "{\"clientId\":\"loader\",\"enabled\":true,\"protocol\":\"openid-connect\",\"publicClient\":false,
       \"clientAuthenticatorType\":\"client-secret\",\"secret\":\"$CLIENT_SECRET\",\"serviceAccountsEnabled\":true,
       \"standardFlowEnabled\":false,\"directAccessGrantsEnabled\":false}"

echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $(uname -sr)"
echo "keycloak: $KC_VERSION start-dev (dev H2), $("$KC_JAVA_HOME/bin/java" -version 2>&1 | head -1), heap $KC_HEAP"
echo "caracal: $("$CARACAL_JAVA" -version 2>&1 | head -1), server in the load generator's JVM, embedded H2"
echo "command: bench/sts-load.sh --seconds $SECONDS_ARG --concurrency $CONCURRENCY"
echo "load average at start: $LOAD_START"
"$CARACAL_JAVA" -Dcaracal.rate-limit.per-app=1000000 -cp "$ROOT/bench/target/benchmarks.jar" \
  run.caracal.bench.sts.TokenExchangeLoad --concurrency "$CONCURRENCY" --seconds "$SECONDS_ARG" \
  --keycloak-token-url "$KC/realms/bench/protocol/openid-connect/token" \
  --keycloak-client-id loader --keycloak-client-secret "$CLIENT_SECRET"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
