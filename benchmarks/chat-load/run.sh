#!/usr/bin/env bash
# The chat benchmark, from any directory:
#   benchmarks/chat-load/run.sh [load|idle|all|transports|presence] [generator options, e.g. --rates 250,500 --step-seconds 20]
# transports: delivery latency over WebSocket vs SockJS xhr-streaming and xhr-polling (long polling), the same
# messages to one recipient per transport at once (defaults: 20 groups of 5, 20 msg/s, 60 s; not part of "all").
# presence: presence fan-out cost — 1,000 users with --contacts 9 each (groups of 10) change presence at
# --rates changes/s; pushes delivered per second, latency and CPU per change by process (not part of "all").
# idle: up to IDLE_SESSIONS sessions held, then all closed at once (how fast the gateway and the registry let them go);
# --deflate true makes its clients offer permessage-deflate as browsers do (set GATEWAY_PER_MESSAGE_DEFLATE=true for
# the gateway to accept it).
# Builds the generator (and what ./suite needs), starts a whole stack on its own state dir and ports
# (BLUEPRINT_STATE_DIR=/tmp/chat-bench-stack, BLUEPRINT_PORT_OFFSET=5000), runs the load steps and/or the
# idle-connections measurement, and always stops that stack. Each run starts from an empty stack (its data, logs
# and key purged first; BENCH_KEEP_DATA=1 keeps them). Output: stdout and $STATE/results-<mode>.txt.
#
# The stack runs with the per-user send limit raised (CHAT_SEND_LIMIT_PER_SECOND / CHAT_SEND_BURST, 5/s and
# 20 by default: a benchmark sender would be refused), every service at a 1 GiB max heap
# (BLUEPRINT_SERVICE_HEAP) and full tiered compilation with G1 (BLUEPRINT_SERVICE_JVM_OPTS). Any variable
# below, or any service setting (e.g. CHAT_HEARTBEAT), can be set in the environment.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
MODE=${1:-all}
[ $# -gt 0 ] && shift
case "$MODE" in load|idle|all|transports|presence) ;; *) echo "usage: $0 [load|idle|all|transports|presence] [generator options]" >&2; exit 2 ;; esac

export BLUEPRINT_STATE_DIR=${BLUEPRINT_STATE_DIR:-/tmp/chat-bench-stack}
export BLUEPRINT_PORT_OFFSET=${BLUEPRINT_PORT_OFFSET:-5000}
export BLUEPRINT_SERVICE_HEAP=${BLUEPRINT_SERVICE_HEAP:-1g}
export BLUEPRINT_SERVICE_JVM_OPTS=${BLUEPRINT_SERVICE_JVM_OPTS:--XX:+UseG1GC}
export CHAT_SEND_LIMIT_PER_SECOND=${CHAT_SEND_LIMIT_PER_SECOND:-100000}
export CHAT_SEND_BURST=${CHAT_SEND_BURST:-100000}
# presence mode changes each user's presence up to once a second: above nothing, but raised like the send limit
export PRESENCE_UPDATE_LIMIT_PER_SECOND=${PRESENCE_UPDATE_LIMIT_PER_SECOND:-100000}
export PRESENCE_UPDATE_BURST=${PRESENCE_UPDATE_BURST:-100000}
# chat-gateway raises Tomcat's max-connections to 20,000 itself (Tomcat's default, 8,192, stopped the
# idle measurement at exactly 8,192 sessions); set SERVER_TOMCAT_MAXCONNECTIONS to try another value.
CLIENTS=${CLIENTS:-1000}
IDLE_SESSIONS=${IDLE_SESSIONS:-10000}
GENERATOR_HEAP=${GENERATOR_HEAP:-2g}
case "$BLUEPRINT_PORT_OFFSET" in 0|10000|12000|13000|20000|21000|22000)
  echo "port offset $BLUEPRINT_PORT_OFFSET belongs to another stack (developer, tests, e2e, other benchmarks)" >&2; exit 2 ;;
esac

# Both ends of every connection are on this machine: the generator and the gateway each need a file
# descriptor per session.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((IDLE_SESSIONS + 1000)) ]; then
  echo "warning: ulimit -n is $(ulimit -n), below $((IDLE_SESSIONS + 1000)): the idle measurement will stop there" >&2
fi

cd "$REPO"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  # One build of everything (the services ./suite runs and the generator); ./suite then builds nothing.
  echo "== building (./mvnw -DskipTests package)"
  ./mvnw -B -q -DskipTests -Dspring-javaformat.skip=true package
fi
export BLUEPRINT_SKIP_BUILD=1
GEN=$REPO/benchmarks/chat-load/target
CP=$GEN/classes:$(cat "$GEN/classpath.txt")

trap './suite down || true' EXIT
# Every run starts from an empty stack: the data of earlier runs (gigabytes of Kafka log, Cassandra tables that
# compact during the next run) made runs of the same code differ. BENCH_KEEP_DATA=1 keeps it.
if [ "${BENCH_KEEP_DATA:-0}" != 1 ]; then
  ./suite down > /dev/null 2>&1 || true
  ./suite purge
fi
# How fast one core is and how promptly a sleeping thread wakes, before the stack starts: the machine is shared, and
# this line tells its slow hours from a slow change when runs are compared (MachineCheck).
java -cp "$GEN/classes" dev.blueprint.bench.chat.MachineCheck || true
echo "== starting the stack ($BLUEPRINT_STATE_DIR, ports +$BLUEPRINT_PORT_OFFSET, service heap $BLUEPRINT_SERVICE_HEAP, send limit $CHAT_SEND_LIMIT_PER_SECOND/s)"
./suite up -d
./suite ps

GW_PORT=$((8083 + BLUEPRINT_PORT_OFFSET))
METRICS=http://127.0.0.1:$GW_PORT/actuator/prometheus,http://127.0.0.1:$((8084 + BLUEPRINT_PORT_OFFSET))/actuator/prometheus,http://127.0.0.1:$((8086 + BLUEPRINT_PORT_OFFSET))/actuator/prometheus
generator() {
  # Its GC pauses are logged beside the stack's (a pause of the generator delays the frames it receives and shows as
  # latency too), and each load step reports them with the others (the option as the launcher's Launch.gcLog writes it).
  java -Xmx"$GENERATOR_HEAP" -XX:+UseG1GC "-Xlog:gc:file=\"$BLUEPRINT_STATE_DIR/logs/generator-gc.log\":time,uptime,level,tags:filecount=2,filesize=10m" \
    -cp "$CP" dev.blueprint.bench.chat.ChatLoad \
    --gateway "ws://127.0.0.1:$GW_PORT/ws" --messages "http://127.0.0.1:$((8084 + BLUEPRINT_PORT_OFFSET))" \
    --presence "http://127.0.0.1:$((8085 + BLUEPRINT_PORT_OFFSET))" \
    --secret-file "$BLUEPRINT_STATE_DIR/jwt-hmac-secret" --metrics "$METRICS" --redis "127.0.0.1:$((6379 + BLUEPRINT_PORT_OFFSET))" "$@"
}

# CPU time (user + system, in clock ticks) of every process of the stack, one "name ticks" line each.
cpu_ticks() {
  for f in "$BLUEPRINT_STATE_DIR"/run/*.pid; do
    pid=$(awk '{print $1; exit}' "$f")
    [ -r "/proc/$pid/stat" ] && echo "$(basename "$f" .pid) $(awk '{print $14 + $15}' "/proc/$pid/stat")"
  done
}

echo "== machine: $(nproc) cores, $(uptime)"
echo "== service settings from the environment: $(env | grep -E '^(GATEWAY|CHAT|PRESENCE)_' | sort | tr '\n' ' ')"
if [ "$MODE" = transports ]; then
  echo "== transports: WebSocket vs SockJS xhr-streaming vs xhr-polling"
  generator --mode transports --clients 100 --rates 20 --warmup-seconds 20 --step-seconds 60 --drain-seconds 10 "$@" \
    | tee "$BLUEPRINT_STATE_DIR/results-transports.txt"
  ./suite ps
  exit 0
fi
if [ "$MODE" = presence ]; then
  echo "== presence fan-out: $CLIENTS users"
  generator --mode presence --clients "$CLIENTS" --rates 50,100,200,400 --warmup-rate 20 --warmup-seconds 60 \
    --idle-seconds 30 --step-seconds 30 --drain-seconds 5 --state-dir "$BLUEPRINT_STATE_DIR" "$@" \
    | tee "$BLUEPRINT_STATE_DIR/results-presence.txt"
  ./suite ps
  exit 0
fi
if [ "$MODE" != idle ]; then
  echo "== load: $CLIENTS clients"
  cpu_ticks > "$BLUEPRINT_STATE_DIR/cpu-before.txt"
  TIMEFORMAT='generator: %U s user + %S s system CPU over %R s'
  # Three minutes at 300 msg/s first: a fresh stack's JVMs are still compiling (C2) for minutes, and the steps
  # measure the warm stack a long-running deployment is.
  time generator --mode load --clients "$CLIENTS" --warmup-seconds 180 --warmup-rate 300 --step-seconds 60 \
    --state-dir "$BLUEPRINT_STATE_DIR" "$@" | tee "$BLUEPRINT_STATE_DIR/results-load.txt"
  # Where the machine's two cores went during the load run (warm-up and every step).
  echo "CPU seconds per process during the load run:"
  cpu_ticks | awk -v hz="$(getconf CLK_TCK)" 'NR == FNR { before[$1] = $2; next }
    { printf "  %-22s %8.1f s\n", $1, ($2 - before[$1]) / hz }' "$BLUEPRINT_STATE_DIR/cpu-before.txt" - \
    | tee -a "$BLUEPRINT_STATE_DIR/results-load.txt"
fi
if [ "$MODE" != load ]; then
  GW_PID=$(awk '{print $1; exit}' "$BLUEPRINT_STATE_DIR/run/chat-gateway.pid")
  echo "== idle: up to $IDLE_SESSIONS sessions on chat-gateway (pid $GW_PID, max heap $BLUEPRINT_SERVICE_HEAP)"
  generator --mode idle --clients "$IDLE_SESSIONS" --gateway-pid "$GW_PID" "$@" | tee "$BLUEPRINT_STATE_DIR/results-idle.txt"
fi
./suite ps
