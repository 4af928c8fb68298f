#!/usr/bin/env bash
# A local cluster on loopback: redis-server, three Relay Edge instances sharing streams through it, and nginx
# in front on port 8100 (deploy/nginx.conf). With no OPENROUTER_API_KEY the edges use one shared simulator.
# Everything stops when this script exits (Ctrl+C).
#
#   deploy/run-local-cluster.sh
#   dotnet run --project src/Relay.Cli -- ask --edge http://127.0.0.1:8100 "Write a 200 word story"
set -euo pipefail
cd "$(dirname "$0")/.."

REDIS_PORT=${REDIS_PORT:-6390}
SIM_PORT=${SIM_PORT:-8788}
EDGE_PORTS=(8101 8102 8103)
work=$(mktemp -d -t relay-cluster-XXXXXX)
pids=()

stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
  echo "cluster stopped"
}
trap stop EXIT INT TERM

need() { command -v "$1" >/dev/null || [ -x "/usr/sbin/$1" ] || { echo "$1 is required (apt-get install -y redis-server nginx)" >&2; exit 1; }; }
need redis-server
need nginx
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

wait_http() { # url, name
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$2 did not become ready at $1" >&2
  exit 1
}

echo "building..."
dotnet build -c Release -v quiet -nologo src/Relay.Edge >/dev/null # builds the simulator too

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
pids+=($!)

upstream_env=()
if [ -z "${OPENROUTER_API_KEY:-}" ]; then
  dotnet src/Relay.Simulator/bin/Release/net10.0/Relay.Simulator.dll --urls "http://127.0.0.1:$SIM_PORT" >"$work/simulator.log" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:$SIM_PORT/api/v1/models" simulator
  upstream_env=(OPENROUTER_BASE_URL="http://127.0.0.1:$SIM_PORT/api/v1/")
  echo "no OPENROUTER_API_KEY: the edges use the simulator on port $SIM_PORT"
fi

for i in "${!EDGE_PORTS[@]}"; do
  port=${EDGE_PORTS[$i]}
  env "${upstream_env[@]}" RELAY_REDIS="127.0.0.1:$REDIS_PORT" RELAY_INSTANCE_ID="edge-$((i + 1))" \
    dotnet src/Relay.Edge/bin/Release/net10.0/Relay.Edge.dll --urls "http://127.0.0.1:$port" >"$work/edge-$((i + 1)).log" 2>&1 &
  pids+=($!)
done
for port in "${EDGE_PORTS[@]}"; do wait_http "http://127.0.0.1:$port/health/ready" "edge on $port"; done

mkdir -p "$work/nginx/tmp"
"$NGINX" -p "$work/nginx" -c "$PWD/deploy/nginx.conf" -g "daemon off; pid $work/nginx/nginx.pid; error_log $work/nginx/error.log warn;" &
pids+=($!)
wait_http "http://127.0.0.1:8100/health/ready" nginx

echo "cluster ready: nginx http://127.0.0.1:8100 -> edges ${EDGE_PORTS[*]} -> redis 127.0.0.1:$REDIS_PORT (logs in $work)"
echo "try: dotnet run --project src/Relay.Cli -- ask --edge http://127.0.0.1:8100 \"Write a 200 word story\""
echo "Ctrl+C stops everything."
wait -n "${pids[@]}" || true
echo "a process of the cluster exited; stopping the rest" >&2
