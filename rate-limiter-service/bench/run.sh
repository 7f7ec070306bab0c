#!/usr/bin/env bash
# Blueprint's Redis token bucket vs Bucket4j 8.19 (Lettuce, CAS and CAS + batching), and the
# client starter's remote mode vs its embedded mode, in one run on one Redis.
#   rate-limiter-service/bench/run.sh            (from anywhere; results in $STATE/results.md)
# Builds the benchmark and the service (SKIP_BUILD=1 to skip), starts its own Redis (port
# 16390) and rate-limiter-service (port 16392), runs libs/ratelimit-benchmark's
# RateLimitBenchmark, and stops both. Settings: THREADS (16,64), KEYS (100000), WARMUP (3),
# MEASURE (5) seconds, ROUNDS (3).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=$REPO/rate-limiter-service/bench
STATE=${BENCH_STATE:-/tmp/bench-ratelimit}
REDIS_PORT=${BENCH_REDIS_PORT:-16390}
SERVICE_PORT=${BENCH_SERVICE_PORT:-16392}
mkdir -p "$STATE"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  (cd "$REPO" && ./mvnw -B -q -pl libs/ratelimit-benchmark,rate-limiter-service,infra/local/redis-server -am \
    package -DskipTests)
fi

# the service runs from a copy put in place by a rename: a build rewrites target/*.jar in place, under a
# running JVM
cp "$REPO/rate-limiter-service/target/rate-limiter-service.jar" "$STATE/rate-limiter-service.jar.partial"
mv -f "$STATE/rate-limiter-service.jar.partial" "$STATE/rate-limiter-service.jar"
REDIS=$(command -v redis-server || ls "$REPO"/infra/local/redis-server/target/redis-bin/redis-server-*-linux-amd64 | head -1)
"$REDIS" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$STATE" \
  > "$STATE/redis.log" 2>&1 &
REDIS_PID=$!
SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
# the service reads ./ratelimit-rules.yaml (or the file RATELIMIT_RULES_FILE names)
cp "$BENCH/bench-rules.yaml" "$STATE/ratelimit-rules.yaml"
(cd "$STATE" && BLUEPRINT_JWT_HMAC_SECRET=$SECRET PORT=$SERVICE_PORT REDIS_PORT=$REDIS_PORT \
  BLUEPRINT_RATELIMIT_REDIS_TIMEOUT=5s \
  exec java -Xmx512m -jar "$STATE/rate-limiter-service.jar" > "$STATE/service.log" 2>&1) &
SERVICE_PID=$!
trap 'kill $SERVICE_PID $REDIS_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$SERVICE_PORT/actuator/health" > /dev/null && break
  kill -0 $SERVICE_PID 2>/dev/null || { echo "rate-limiter-service exited; see $STATE/service.log"; exit 1; }
  sleep 1
done

MODULE=$REPO/libs/ratelimit-benchmark
java -Xmx1g -cp "$MODULE/target/classes:$(cat "$MODULE/target/classpath.txt")" \
  dev.blueprint.ratelimit.benchmark.RateLimitBenchmark --redis-port "$REDIS_PORT" \
  --threads "${THREADS:-16,64}" --keys "${KEYS:-100000}" --warmup "${WARMUP:-3}" --measure "${MEASURE:-5}" \
  --rounds "${ROUNDS:-3}" --service-url "http://127.0.0.1:$SERVICE_PORT" --jwt-secret "$SECRET" \
  --out "$STATE/results.md"
