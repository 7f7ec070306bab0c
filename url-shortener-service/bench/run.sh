#!/usr/bin/env bash
# Redirect throughput vs. the framework ceiling, same service, same run.
#   url-shortener-service/bench/run.sh            (from the repository root)
# Starts its own Redis + Cassandra (state in /tmp/bench-shortener, ports +13000), runs the
# service jar with the fixed-302 endpoint on, seeds LINKS links, then runs wrk against
# GET /{code} (Zipf mix) and GET /_bench/fixed-redirect, and prints both plus creates/s and
# Cassandra reads per redirect. Needs wrk (apt-get install -y wrk) and a built jar.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=$REPO/url-shortener-service/bench
STATE=${BENCH_STATE:-/tmp/bench-shortener}
OFFSET=${BENCH_PORT_OFFSET:-13000}
PORT=${BENCH_PORT:-18081}
LINKS=${LINKS:-100000}
DURATION=${DURATION:-30s}
WARMUP=${WARMUP:-60s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
JAR=$REPO/url-shortener-service/target/url-shortener-service.jar
LAUNCHER=$(ls "$HOME"/.m2/repository/dev/blueprint/blueprint-local-launcher/*/blueprint-local-launcher-*.jar | head -1)
BASE=http://127.0.0.1:$PORT
mkdir -p "$STATE"

java -cp "$LAUNCHER" "$BENCH/Servers.java" "$REPO" "$STATE" "$OFFSET" up
SECRET=bench-only-hmac-secret-0123456789abcdef0123
BLUEPRINT_JWT_HMAC_SECRET=$SECRET PORT=$PORT REDIS_PORT=$((6379 + OFFSET)) \
  CASSANDRA_CONTACT_POINTS=127.0.0.1:$((9042 + OFFSET)) SHORTENER_BENCHMARK_ENDPOINT=true \
  SHORTENER_PUBLIC_BASE_URL=http://sho.rt SHORTENER_CREATE_LIMIT_PER_SECOND=1000000 \
  SHORTENER_CREATE_LIMIT_PER_HOUR=100000000 java -Xmx512m -jar "$JAR" > "$STATE/service.log" 2>&1 &
SERVICE=$!
trap 'kill $SERVICE 2>/dev/null || true; java -cp "$LAUNCHER" "$BENCH/Servers.java" "$REPO" "$STATE" "$OFFSET" down' EXIT
until curl -sf "$BASE/actuator/health" > /dev/null; do sleep 1; done

reads() { curl -s "$BASE/actuator/prometheus" | awk '/^blueprint_shortener_store_reads_total/ {print $2}'; }

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
  until [ "$(created)" -ge "$LINKS" ]; do sleep 1; done
  end=$(date +%s.%N)
  kill -INT $SEEDER; wait $SEEDER || true
  cat "$STATE"/codes-*.txt > "$STATE/codes.txt"
  seeded=$(wc -l < "$STATE/codes.txt")
  echo "seeded=$seeded creates/s=$(echo "$seeded / ($end - $start)" | bc)"
fi

echo "== warm-up (JIT, caches)"
CODES_FILE=$STATE/codes.txt wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$BENCH/zipf.lua" "$BASE" > /dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s "$BENCH/fixed.lua" "$BASE" > /dev/null

echo "== fixed 302 (framework ceiling)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$BENCH/fixed.lua" "$BASE" | tail -1
before=$(reads)
echo "== GET /{code}, Zipf over $seeded codes"
CODES_FILE=$STATE/codes.txt wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$BENCH/zipf.lua" "$BASE" | tee "$STATE/redirect.txt" | tail -1
after=$(reads)
requests=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' "$STATE/redirect.txt")
echo "cassandra reads during the run: $(echo "$after - $before" | bc) for $requests redirects"
