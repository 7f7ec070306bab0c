#!/usr/bin/env bash
# Redirect throughput vs. the framework ceiling, same service, same run.
#   url-shortener-service/bench/run.sh            (from the repository root)
# Starts its own Redis + Cassandra (state in /tmp/bench-shortener, ports +13000), runs the
# service jar with the fixed-302 endpoint on, seeds LINKS links, then runs wrk against
# GET /{code} (Zipf mix) and GET /_bench/fixed-redirect, and prints both plus creates/s and
# Cassandra reads per redirect. Needs wrk (apt-get install -y wrk) and a built jar.
# The redirect phase (REDIRECT_DURATION, 5 m) includes the click rollups the service's default
# interval would run in it (ROLLUP_EVERY), triggered by the script so they fall inside it.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=$REPO/url-shortener-service/bench
STATE=${BENCH_STATE:-/tmp/bench-shortener}
OFFSET=${BENCH_PORT_OFFSET:-13000}
PORT=${BENCH_PORT:-18081}
LINKS=${LINKS:-100000}
DURATION=${DURATION:-30s}
# the redirect phase's length; with the default 5 m it holds one click rollup (see ROLLUP_EVERY)
REDIRECT_DURATION=${REDIRECT_DURATION:-5m}
# the service's default shortener.clicks.rollup-interval, in seconds: the script runs the rollups itself at this
# cadence during the redirect phase (the last one 45 s before its end), so each measured window holds the rollups
# its length calls for and the fixed-302 phase none (scheduled rollups are set to 1 h, out of the way)
ROLLUP_EVERY=${ROLLUP_EVERY:-300}
WARMUP=${WARMUP:-60s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
JAR=${BENCH_JAR:-$REPO/url-shortener-service/target/url-shortener-service.jar}
LAUNCHER=$(ls "$HOME"/.m2/repository/dev/blueprint/blueprint-local-launcher/*/blueprint-local-launcher-*.jar | head -1)
BASE=http://127.0.0.1:$PORT
mkdir -p "$STATE"

java -cp "$LAUNCHER" "$BENCH/Servers.java" "$REPO" "$STATE" "$OFFSET" up
SECRET=bench-only-hmac-secret-0123456789abcdef0123
BLUEPRINT_JWT_HMAC_SECRET=$SECRET PORT=$PORT REDIS_PORT=$((6379 + OFFSET)) \
  CASSANDRA_CONTACT_POINTS=127.0.0.1:$((9042 + OFFSET)) SHORTENER_BENCHMARK_ENDPOINT=true \
  SHORTENER_PUBLIC_BASE_URL=http://sho.rt SHORTENER_CREATE_LIMIT_PER_SECOND=1000000 \
  SHORTENER_CREATE_LIMIT_PER_HOUR=100000000 SHORTENER_CLICKS_ROLLUPINTERVAL=1h java -Xmx512m -jar "$JAR" > "$STATE/service.log" 2>&1 &
SERVICE=$!
# KEEP_SERVERS=1 leaves Redis and Cassandra running (and Redis's cache primed) for the next run
trap 'kill $SERVICE 2>/dev/null || true; [ "${KEEP_SERVERS:-0}" = 1 ] || java -cp "$LAUNCHER" "$BENCH/Servers.java" "$REPO" "$STATE" "$OFFSET" down' EXIT
until curl -sf "$BASE/actuator/health" > /dev/null; do sleep 1; done

# One line "name value" per counter the report compares before and after a phase.
counters() {
  curl -s "$BASE/actuator/prometheus" | awk '
    /^blueprint_shortener_store_reads_total/ { print "cassandra_link_reads", $2 }
    /^blueprint_shortener_cache_lookups_total\{.*layer="near".*result="hit"/ { print "near_hits", $2 }
    /^blueprint_shortener_cache_lookups_total\{.*layer="near".*result="miss"/ { print "near_misses", $2 }
    /^blueprint_shortener_cache_lookups_total\{.*layer="redis".*result="hit"/ { print "redis_hits", $2 }
    /^blueprint_shortener_clicks_writes_total/ { print "click_counter_writes", $2 }
    /^blueprint_shortener_clicks_rollups_total\{.*outcome="completed"/ { print "click_rollups", $2 }
    /^blueprint_shortener_clicks_rolled_up_total/ { print "clicks_rolled_up", $2 }
    /^jvm_gc_memory_allocated_bytes_total/ { print "heap_bytes_allocated", $2 }'
}

# "30s", "5m", "1h" -> seconds
seconds() {
  case $1 in
    *h) echo $(( ${1%h} * 3600 )) ;;
    *m) echo $(( ${1%m} * 60 )) ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
  esac
}

# Runs click rollups during a redirect phase of $1 seconds: every ROLLUP_EVERY seconds, the last 45 s before its end.
rollups_during() {
  local length=$1 at times=()
  for ((at = length - 45; at > 0; at -= ROLLUP_EVERY)); do times=("$at" "${times[@]}"); done
  local previous=0
  for at in "${times[@]}"; do
    sleep $((at - previous)); previous=$at
    local start
    start=$(date +%s.%N)
    curl -s -X POST "$BASE/_bench/click-rollup" > /dev/null
    echo "  (click rollup at ${at} s into the phase took $(echo "$(date +%s.%N) - $start" | bc | cut -c1-5) s)" >&2
  done
}

# CPU time (user + system, clock ticks) of the service, Redis and Cassandra, one "name ticks" line each.
cpu_ticks() {
  echo "service $(awk '{print $14 + $15}' "/proc/$SERVICE/stat")"
  for f in "$STATE"/run/*.pid; do
    pid=$(awk '{print $1; exit}' "$f")
    [ -r "/proc/$pid/stat" ] && echo "$(basename "$f" .pid) $(awk '{print $14 + $15}' "/proc/$pid/stat")"
  done
}

# Runs wrk for one measured phase and prints its result, the counters' deltas and the CPU seconds
# each process spent (per 1,000 requests too: the machine is shared, so ratios say more than rates).
measure() {
  local name=$1 script=$2 duration=$3 rollups=${4:-}
  counters > "$STATE/counters-before.txt"
  cpu_ticks > "$STATE/cpu-before.txt"
  local roller=
  if [ -n "$rollups" ]; then rollups_during "$(seconds "$duration")" & roller=$!; fi
  CODES_FILE=$STATE/codes.txt wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" -s "$BENCH/$script" "$BASE" \
    | tail -1 | tee "$STATE/$name.txt"
  if [ -n "$roller" ]; then wait "$roller"; fi
  local requests
  requests=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' "$STATE/$name.txt")
  counters | awk -v n="$requests" 'NR == FNR { before[$1] = $2; next }
    { d = $2 - before[$1]; printf "  %-22s %10d  (%.3f per request)\n", $1, d, d / n }' "$STATE/counters-before.txt" -
  cpu_ticks | awk -v hz="$(getconf CLK_TCK)" -v n="$requests" 'NR == FNR { before[$1] = $2; next }
    { s = ($2 - before[$1]) / hz; printf "  cpu %-18s %8.1f s  (%.3f ms per request)\n", $1, s, 1000 * s / n }' \
    "$STATE/cpu-before.txt" -
}

if [ "${REUSE_CODES:-0}" = 1 ] && [ -f "$STATE/codes.txt" ] && [ "$(wc -l < "$STATE/codes.txt")" -ge "$LINKS" ]; then
  # Cassandra keeps its data in $STATE between runs
  echo "== reusing $(wc -l < "$STATE/codes.txt") links seeded by an earlier run"
  seeded=$(wc -l < "$STATE/codes.txt")
else
  rm -f "$STATE"/codes-*.txt
  echo "== seeding $LINKS links"
  created() { curl -s "$BASE/actuator/prometheus" | awk '/^blueprint_shortener_links_creates_total\{kind="generated",outcome="created"/ {print int($2)}'; }
  start=$(date +%s.%N)
  SEED_PER_THREAD=$((LINKS / THREADS + 1000)) CODES_DIR=$STATE wrk -t"$THREADS" -c16 -d3600s -s "$BENCH/seed.lua" "$BASE" > "$STATE/seed.txt" &
  SEEDER=$!
  # wrk only ends at its duration; SIGINT makes it stop and flush once enough links exist
  # (the counter does not exist before the first create: count that as 0)
  until [ "$(created)" -ge "$LINKS" ] 2>/dev/null; do sleep 1; done
  end=$(date +%s.%N)
  kill -INT $SEEDER; wait $SEEDER || true
  cat "$STATE"/codes-*.txt > "$STATE/codes.txt"
  seeded=$(wc -l < "$STATE/codes.txt")
  echo "seeded=$seeded creates/s=$(echo "$seeded / ($end - $start)" | bc)"
fi

if [ "${PRIME:-1}" = 1 ]; then
  # Every link once, so Redis holds them all: the "warm cache" the Cassandra-reads goal is about.
  # (Without it a run measures the Zipf tail's first touches: with s = 1 and 100,000 codes, after
  # 250,000 requests ~13 % of the traffic still goes to codes never requested before.)
  echo "== priming the cache: GET every code once"
  start=$(date +%s)
  sed "s|^|$BASE/|" "$STATE/codes.txt" | xargs -P "${PRIME_PARALLEL:-16}" -n 500 sh -c 'for u; do printf "url = \"%s\"\noutput = \"/dev/null\"\n" "$u"; done | curl -s -K -' _ 
  echo "primed $(wc -l < "$STATE/codes.txt") codes in $(( $(date +%s) - start )) s"
fi

echo "== warm-up (JIT, caches)"
CODES_FILE=$STATE/codes.txt wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$BENCH/zipf.lua" "$BASE" > /dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s "$BENCH/fixed.lua" "$BASE" > /dev/null

echo "== machine: $(nproc) cores, $(uptime)"
echo "== fixed 302 (framework ceiling)"
measure fixed fixed.lua "$DURATION"
echo "== GET /{code}, Zipf over $seeded codes"
measure redirect zipf.lua "$REDIRECT_DURATION" rollups
fixed=$(sed -n 's/.*rps=\([0-9]*\).*/\1/p' "$STATE/fixed.txt")
redirect=$(sed -n 's/.*rps=\([0-9]*\).*/\1/p' "$STATE/redirect.txt")
echo "ratio redirect / fixed = $(echo "scale=2; $redirect / $fixed" | bc)"
