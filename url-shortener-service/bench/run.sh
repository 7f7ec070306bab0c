#!/usr/bin/env bash
# Redirect throughput vs. the framework ceiling, same service, same run.
#   url-shortener-service/bench/run.sh            (from the repository root)
# Starts its own Redis + Cassandra (state in /tmp/bench-shortener, ports +13000), runs the
# service jar with the fixed-302 endpoint on, seeds LINKS links, then runs wrk against
# GET /{code} (Zipf mix) and GET /_bench/fixed-redirect, and prints both plus creates/s and
# Cassandra reads per redirect. Needs wrk (apt-get install -y wrk) and a built jar.
# The phases alternate over ROUNDS rounds; the redirect phases include the click rollups the service's
# default interval would run in them (ROLLUP_EVERY), triggered by the script so they fall inside them.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=$REPO/url-shortener-service/bench
STATE=${BENCH_STATE:-/tmp/bench-shortener}
OFFSET=${BENCH_PORT_OFFSET:-13000}
PORT=${BENCH_PORT:-18081}
LINKS=${LINKS:-100000}
# ROUNDS alternations of a fixed-302 phase (DURATION) and a redirect phase (REDIRECT_DURATION): the machine's
# speed drifts, and alternating puts both endpoints under the same drift; totals are summed over the rounds
ROUNDS=${ROUNDS:-4}
DURATION=${DURATION:-15s}
REDIRECT_DURATION=${REDIRECT_DURATION:-75s}
# the service's default shortener.clicks.rollup-interval, in seconds: the script runs one click rollup per this
# much redirect traffic (and one in the last round in any case), at least 60 s before its phase ends, so the
# redirect phases hold the rollups their length calls for and the fixed-302 phases none (the service's own
# scheduled rollups are set to 1 h, out of the way)
ROLLUP_EVERY=${ROLLUP_EVERY:-300}
WARMUP=${WARMUP:-60s}
FIXED_WARMUP=${FIXED_WARMUP:-20s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
JAR=${BENCH_JAR:-$REPO/url-shortener-service/target/url-shortener-service.jar}
LAUNCHER=$REPO/infra/local/launcher/target/blueprint-local-launcher.jar
BASE=http://127.0.0.1:$PORT
for built in "$JAR" "$LAUNCHER"; do
  [ -f "$built" ] || { echo "$built is missing: build first (./mvnw -DskipTests package)" >&2; exit 1; }
done
mkdir -p "$STATE/jars"
# Run copies, each put in place by a rename: a build rewrites target/*.jar in place, which would break the
# running JVMs' class loading.
copy_jar() {
  cp "$1" "$STATE/jars/$2.partial"
  mv -f "$STATE/jars/$2.partial" "$STATE/jars/$2"
}
copy_jar "$JAR" url-shortener-service.jar
JAR=$STATE/jars/url-shortener-service.jar
copy_jar "$LAUNCHER" blueprint-local-launcher.jar
LAUNCHER=$STATE/jars/blueprint-local-launcher.jar

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

# CPU time (user + system, clock ticks) of the service, Redis and Cassandra, one "name ticks" line each.
cpu_ticks() {
  echo "service $(awk '{print $14 + $15}' "/proc/$SERVICE/stat")"
  for f in "$STATE"/run/*.pid; do
    pid=$(awk '{print $1; exit}' "$f")
    [ -r "/proc/$pid/stat" ] && echo "$(basename "$f" .pid) $(awk '{print $14 + $15}' "/proc/$pid/stat")"
  done
}

# Triggers one click rollup $1 seconds from now (from the start of a redirect phase).
rollup_after() {
  sleep "$1"
  local start
  start=$(date +%s.%N)
  curl -s -X POST "$BASE/_bench/click-rollup" > /dev/null
  echo "  (click rollup $1 s into the phase took $(echo "$(date +%s.%N) - $start" | bc | cut -c1-5) s)" >&2
}

# Runs wrk for one measured phase, prints its result and adds the counters' deltas, the CPU ticks each
# process spent (wrk included), the requests and the seconds to $STATE/acc-<name>.txt (summed over the rounds).
# $4, if set: seconds into the phase at which one click rollup runs.
measure() {
  local name=$1 script=$2 duration=$3 rollup_at=${4:-}
  counters > "$STATE/counters-before.txt"
  cpu_ticks > "$STATE/cpu-before.txt"
  local roller=
  if [ -n "$rollup_at" ]; then rollup_after "$rollup_at" & roller=$!; fi
  # wrk's own CPU too (bash's `times`: the children's user and system time), as "m:s m:s"
  local generator
  generator=$({
    CODES_FILE=$STATE/codes.txt wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" -s "$BENCH/$script" "$BASE" \
      | tail -1 > "$STATE/$name.txt"
    times
  } | tail -1)
  if [ -n "$roller" ]; then wait "$roller"; fi
  echo "  $name: $(cat "$STATE/$name.txt")"
  local requests rps
  requests=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' "$STATE/$name.txt")
  rps=$(sed -n 's/.*rps=\([0-9]*\).*/\1/p' "$STATE/$name.txt")
  {
    counters | awk 'NR == FNR { before[$1] = $2; next } { print $1, $2 - before[$1] }' "$STATE/counters-before.txt" -
    cpu_ticks | awk 'NR == FNR { before[$1] = $2; next } { print "cpu_" $1, $2 - before[$1] }' "$STATE/cpu-before.txt" -
    echo "$generator" | awk -v hz="$(getconf CLK_TCK)" '{
        split($1, u, /[ms]/); split($2, s, /[ms]/)
        printf "cpu_wrk %.0f\n", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * hz }'
    echo "requests $requests"
    echo "seconds $(echo "scale=3; $requests / $rps" | bc)"
  } >> "$STATE/acc-$name.txt"
}

# Prints a phase's totals over all rounds: throughput, counters and CPU per request.
summary() {
  local name=$1
  awk -v hz="$(getconf CLK_TCK)" '{ sum[$1] += $2; if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 } }
    END {
      n = sum["requests"]
      printf "  total: %.0f requests in %.0f s = %.0f req/s\n", n, sum["seconds"], n / sum["seconds"]
      for (i = 1; i <= k; i++) {
        key = order[i]
        if (key == "requests" || key == "seconds") continue
        if (key ~ /^cpu_/) printf "  cpu %-18s %8.1f s  (%.3f ms per request)\n", substr(key, 5), sum[key] / hz, 1000 * sum[key] / hz / n
        else printf "  %-22s %14.0f  (%.3f per request)\n", key, sum[key], sum[key] / n
      }
    }' "$STATE/acc-$name.txt"
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
# A running service has rolled up clicks every interval since it started, and so Cassandra's counter-write path
# is JIT-compiled; the first rollup after Cassandra starts costs it about twice the CPU per update. So one rollup
# (of the priming's clicks) runs first, and the warm-up traffic after it absorbs its aftermath (memtable flush,
# compaction). Both endpoints are then warmed for a while, the fixed 302 too: its first measured phase ran slow
# (p99 40-58 ms against 10-12 ms later) after a 5 s warm-up.
start=$(date +%s.%N)
curl -s -X POST "$BASE/_bench/click-rollup" > /dev/null
echo "warm-up click rollup (priming's clicks) took $(echo "$(date +%s.%N) - $start" | bc | cut -c1-5) s"
CODES_FILE=$STATE/codes.txt wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$BENCH/zipf.lua" "$BASE" > /dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$FIXED_WARMUP" -s "$BENCH/fixed.lua" "$BASE" > /dev/null

echo "== machine: $(nproc) cores, $(uptime)"
echo "== $ROUNDS rounds of: fixed 302 (framework ceiling) for $DURATION, GET /{code} (Zipf over $seeded codes) for $REDIRECT_DURATION"
rm -f "$STATE"/acc-*.txt
phase=$(seconds "$REDIRECT_DURATION")
since_rollup=0
for ((round = 1; round <= ROUNDS; round++)); do
  echo "round $round"
  measure fixed fixed.lua "$DURATION"
  # one rollup per ROLLUP_EVERY seconds of redirect traffic, at least 60 s before the phase ends
  at=
  if ((since_rollup + phase >= ROLLUP_EVERY || round == ROUNDS && phase > 60)); then
    at=$((ROLLUP_EVERY - since_rollup)); ((at <= phase - 60)) || at=$((phase - 60)); ((at >= 1)) || at=1
  fi
  measure redirect zipf.lua "$REDIRECT_DURATION" $at
  if [ -n "$at" ]; then since_rollup=$((phase - at)); else since_rollup=$((since_rollup + phase)); fi
done
echo "== fixed 302 (framework ceiling), all rounds"
summary fixed
echo "== GET /{code}, Zipf over $seeded codes, all rounds"
summary redirect
fixed=$(awk '$1 == "requests" { n += $2 } $1 == "seconds" { s += $2 } END { printf "%.0f", n / s }' "$STATE/acc-fixed.txt")
redirect=$(awk '$1 == "requests" { n += $2 } $1 == "seconds" { s += $2 } END { printf "%.0f", n / s }' "$STATE/acc-redirect.txt")
echo "ratio redirect / fixed = $(echo "scale=2; $redirect / $fixed" | bc)"
