#!/usr/bin/env bash
# Gateway load benchmark on loopback, in one run: the same upstream (nginx answering a fixed
# 3-byte body) called directly, through the Caracal Gateway (valid token, a policy that allows,
# decision recorded in the ledger before forwarding), and through nginx as a plain reverse proxy.
# Prints throughput at concurrency 16 and 64 (wrk, closed loop) with ratios to direct and to
# nginx, p50/p99 at fixed open-loop rates, and the revocation delay.
#
# Usage: bench/gateway-load.sh [extra GatewayLoad options, e.g. --seconds 20 --rates 1000,3000,5000]
#        bench/gateway-load.sh --mcp 500[,1000] [--seconds 10]   (MCP instead: tools/call at each rate and a
#        100-tool tools/list filtered per caller, through the Gateway and direct; nginx answers fixed JSON-RPC)
# Environment: SKIP_BUILD=1 (use the jars already built), CARACAL_JAVA (the server's java, default
# java on the PATH; a JDK >= 23 decides faster, see the engine section of docs/BENCHMARKS.md),
# CARACAL_JAVA_OPTS (server JVM options, default -Xms1g -Xmx1g), UPSTREAM_PORT / PROXY_PORT (default 18181 / 18182),
# NGINX_UPSTREAM_KEEPALIVE=0 (nginx opens one upstream connection per request; default 1: it keeps
# them alive, as the Gateway does), CARACAL_DB=postgresql (a fresh database on the local PostgreSQL at
# 127.0.0.1:5432, user postgres, made with psql and dropped at the end; default: embedded H2).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
UPSTREAM_PORT=${UPSTREAM_PORT:-18181}
PROXY_PORT=${PROXY_PORT:-18182}
CARACAL_JAVA=${CARACAL_JAVA:-java}
CARACAL_JAVA_OPTS=${CARACAL_JAVA_OPTS:--Xms1g -Xmx1g}

if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx wrk >/dev/null
  else
    echo "gateway-load: needs nginx and wrk (Debian: apt-get install nginx wrk)" >&2
    exit 2
  fi
fi
NGINX=$(command -v nginx)

for port in "$UPSTREAM_PORT" "$PROXY_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "gateway-load: port $port is taken; set UPSTREAM_PORT / PROXY_PORT" >&2
    exit 2
  fi
done

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  ./mvnw -q -pl cli,bench -am package -DskipTests
fi

WORK=$(mktemp -d /tmp/caracal-gateway-load.XXXXXX)
CARACAL_PID=
NGINX_PID=
PG_DATABASE=
cleanup() {
  [ -n "$CARACAL_PID" ] && kill "$CARACAL_PID" 2>/dev/null && wait "$CARACAL_PID" 2>/dev/null || true
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null || true
  [ -n "$PG_DATABASE" ] && psql -q -h 127.0.0.1 -U postgres -c "drop database if exists $PG_DATABASE with (force)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

DB_ARGS=()
DB_NAME="embedded H2 under a temporary CARACAL_HOME"
if [ "${CARACAL_DB:-h2}" = postgresql ]; then
  PG_DATABASE="caracal_bench_$(date +%s)_$$"
  psql -q -h 127.0.0.1 -U postgres -c "create database $PG_DATABASE" >/dev/null
  DB_ARGS=(--db "jdbc:postgresql://127.0.0.1:5432/$PG_DATABASE" --db-user postgres)
  export CARACAL_DB_PASSWORD="${CARACAL_DB_PASSWORD:-}"
  DB_NAME="PostgreSQL $(psql -tA -h 127.0.0.1 -U postgres -c 'show server_version' | cut -d' ' -f1) on 127.0.0.1"
fi

mkdir -p "$WORK/nginx/tmp" "$WORK/home"
# a tools/list answer of 100 tools (read_*, write_*, write_delete_*), for the MCP benchmark
MCP_TOOLS='{"jsonrpc":"2.0","id":1,"result":{"tools":['
for i in $(seq 0 99); do
  case $((i % 3)) in 0) name=read_$i ;; 1) name=write_$i ;; *) name=write_delete_$i ;; esac
  [ "$i" -gt 0 ] && MCP_TOOLS+=','
  MCP_TOOLS+="{\"name\":\"$name\",\"description\":\"tool $i\",\"inputSchema\":{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}}}}"
done
MCP_TOOLS+='],"nextCursor":"2"}}'
mkdir -p "$WORK/nginx/static"
printf '%s' "$MCP_TOOLS" > "$WORK/nginx/static/mcp-tools" # a static file answers POST through error_page 405 =200
chmod 755 "$WORK" "$WORK/nginx" "$WORK/nginx/static" && chmod 644 "$WORK/nginx/static/mcp-tools" # nginx workers read it
if [ "${NGINX_UPSTREAM_KEEPALIVE:-1}" = 1 ]; then
  PROXY_UPSTREAM="upstream origin { server 127.0.0.1:$UPSTREAM_PORT; keepalive 64; }"
  PROXY_PASS="proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection \"\";"
else
  PROXY_UPSTREAM=""
  PROXY_PASS="proxy_pass http://127.0.0.1:$UPSTREAM_PORT;"
fi
cat > "$WORK/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/nginx/tmp/body;
  proxy_temp_path $WORK/nginx/tmp/proxy;
  fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
  uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
  scgi_temp_path $WORK/nginx/tmp/scgi;
  $PROXY_UPSTREAM
  server {
    listen 127.0.0.1:$UPSTREAM_PORT;
    location / { default_type text/plain; return 200 "ok\n"; }
    location = /mcp { default_type application/json; return 200 '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"notes"}]}}'; }
    location = /mcp-tools { root $WORK/nginx/static; default_type application/json; error_page 405 =200 \$uri; }
  }
  server {
    listen 127.0.0.1:$PROXY_PORT;
    location / { $PROXY_PASS }
  }
}
EOF
"$NGINX" -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" &
NGINX_PID=$!

# shellcheck disable=SC2086
CARACAL_HOME="$WORK/home" "$CARACAL_JAVA" $CARACAL_JAVA_OPTS -jar "$ROOT/cli/target/caracal.jar" serve --sts-port 0 --gateway-port 0 \
  "${DB_ARGS[@]}" >"$WORK/caracal.log" 2>&1 &
CARACAL_PID=$!

for _ in $(seq 1 120); do
  if [ -f "$WORK/home/server.json" ] && grep -q gateway_url "$WORK/home/server.json"; then
    break
  fi
  if ! kill -0 "$CARACAL_PID" 2>/dev/null; then
    echo "gateway-load: caracal serve exited:" >&2
    cat "$WORK/caracal.log" >&2
    exit 1
  fi
  sleep 0.5
done
json_field() { sed -n "s/.*\"$1\" *: *\"\([^\"]*\)\".*/\1/p" "$WORK/home/server.json"; }
STS_URL=$(json_field sts_url)
GATEWAY_URL=$(json_field gateway_url)
if [ -z "$GATEWAY_URL" ]; then
  echo "gateway-load: the server did not start in time:" >&2
  cat "$WORK/caracal.log" >&2
  exit 1
fi

echo "caracal: $("$CARACAL_JAVA" -version 2>&1 | head -1) $CARACAL_JAVA_OPTS -jar cli/target/caracal.jar serve ${DB_ARGS[*]} (data: $DB_NAME)"
echo "nginx: $("$NGINX" -v 2>&1 | sed 's/.*: //'), worker_processes auto, upstream keepalive ${NGINX_UPSTREAM_KEEPALIVE:-1}; $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
java -cp "$ROOT/bench/target/benchmarks.jar" run.caracal.bench.gateway.GatewayLoad \
  --sts "$STS_URL" --admin-token-file "$WORK/home/admin.token" --gateway "$GATEWAY_URL" \
  --upstream "http://127.0.0.1:$UPSTREAM_PORT" --nginx "http://127.0.0.1:$PROXY_PORT" "$@"
