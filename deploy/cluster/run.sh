#!/usr/bin/env bash
# The reference cluster on one machine: a redis-server, three AgentPulse nodes (one runs the agents,
# two only stream) on one Redis stream, and the load balancer (YARP, AgentPulse.LoadBalancer) in front
# on :8000. Open http://localhost:8000/. Ctrl+C stops everything it started, by PID.
#
#   deploy/cluster/run.sh                 # LB on :8000, data under deploy/cluster/data
#   PORT=9000 DATA=/tmp/ap deploy/cluster/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

port=${PORT:-8000}
data=$(realpath -m "${DATA:-deploy/cluster/data}")
mkdir -p "$data/redis"
command -v redis-server >/dev/null || { echo "redis-server is missing: apt-get install redis-server"; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "Building..."
dotnet build src/AgentPulse.Server -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
dotnet build deploy/cluster/AgentPulse.LoadBalancer -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
server=src/AgentPulse.Server/bin/Release/net10.0/AgentPulse.Server.dll
balancer=deploy/cluster/AgentPulse.LoadBalancer/bin/Release/net10.0/AgentPulse.LoadBalancer.dll

pids=()
stopping=""
stop() {
  stopping=1
  trap - INT TERM EXIT
  echo "Stopping ${pids[*]}..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop INT TERM EXIT

redis_port=$(free_port)
# Append-only, synced every write: a restart of Redis keeps the stream (and the epoch).
redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$data/redis" --appendonly yes --appendfsync always --save "" \
  >"$data/redis.log" 2>&1 &
pids+=($!)
echo "redis-server  pid $! on 127.0.0.1:$redis_port"

nodes=()
for i in 1 2 3; do
  node_port=$(free_port)
  agents=false; [ "$i" = 1 ] && agents=true
  # Each node its own data folder; the agents node keeps the documents and the index in its own.
  dotnet "$server" --urls "http://127.0.0.1:$node_port" --DataPath "$data/node$i" \
    --AgentPulse:Redis:Configuration "127.0.0.1:$redis_port" --Agents:Enabled "$agents" \
    >"$data/node$i.log" 2>&1 &
  pids+=($!)
  nodes+=("http://127.0.0.1:$node_port")
  echo "node$i         pid $! on 127.0.0.1:$node_port (agents: $agents)"
done

args=(--urls "http://localhost:$port" --LoadBalancer:Agents "${nodes[0]}")
for i in "${!nodes[@]}"; do args+=(--LoadBalancer:Nodes:$i "${nodes[$i]}"); done
dotnet "$balancer" "${args[@]}" >"$data/balancer.log" 2>&1 &
pids+=($!)
echo "load balancer pid $! on http://localhost:$port"
echo "Logs in $data. Ctrl+C stops them all."

# Whichever ends first (a node that could not start, say) ends the cluster.
wait -n "${pids[@]}" || true
[ -n "$stopping" ] || echo "A process ended; see the logs in $data."
