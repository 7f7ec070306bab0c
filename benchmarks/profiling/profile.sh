#!/usr/bin/env bash
# Profiles every JVM of a running local stack at once with async-profiler, for SECONDS:
#   benchmarks/profiling/profile.sh [SECONDS=30] [EVENT=cpu] [NAME=profile]
# Run it while a load runs (e.g. during a step of benchmarks/chat-load/run.sh, whose stack is
# BLUEPRINT_STATE_DIR=/tmp/chat-bench-stack, the default here). For each JVM with a pid file under
# $BLUEPRINT_STATE_DIR/run it writes $OUT/NAME-<process>.collapsed (folded stacks: one line per stack,
# frames joined by ';', then the sample count; flame-graph tools read it) and prints the 15 frames with the
# most self samples. async-profiler (Apache 2.0) comes from Maven Central:
# tools.profiler:async-profiler:$ASYNC_PROFILER_VERSION:jar:linux-x64. Extra profiler options go in
# PROFILER_OPTS (e.g. ",threads" to split stacks by thread); the interval is 1 ms of CPU.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_TO_PROFILE=${1:-30}
EVENT=${2:-cpu}
NAME=${3:-profile}
STATE=${BLUEPRINT_STATE_DIR:-/tmp/chat-bench-stack}
OUT=${OUT:-$STATE/profiles}
VERSION=${ASYNC_PROFILER_VERSION:-4.2}
TOOLS=$REPO/benchmarks/profiling/target
LIB=$TOOLS/linux-x64/libasyncProfiler.so
JAVA=${JAVA:-java}

[ -d "$STATE/run" ] || { echo "no stack at $STATE (set BLUEPRINT_STATE_DIR)" >&2; exit 2; }
if [ ! -f "$LIB" ]; then
  mkdir -p "$TOOLS"
  "$REPO/mvnw" -B -q dependency:copy -Dartifact="tools.profiler:async-profiler:$VERSION:jar:linux-x64" \
    -DoutputDirectory="$TOOLS" -Dmdep.stripVersion=true
  (cd "$TOOLS" && unzip -q -o async-profiler-linux-x64.jar linux-x64/libasyncProfiler.so)
fi
mkdir -p "$OUT"

attach() { "$JAVA" "$REPO/benchmarks/profiling/Attach.java" "$1" "$LIB" "$2"; }
declare -A PIDS
for f in "$STATE"/run/*.pid; do
  name=$(basename "$f" .pid)
  pid=$(awk '{print $1; exit}' "$f")
  # JVMs only (redis is not one)
  if [ -r "/proc/$pid/exe" ] && [[ "$(readlink "/proc/$pid/exe")" == */java ]]; then PIDS[$name]=$pid; fi
done
[ ${#PIDS[@]} -gt 0 ] || { echo "no running JVM in $STATE/run" >&2; exit 2; }
for name in "${!PIDS[@]}"; do
  attach "${PIDS[$name]}" "start,event=$EVENT,interval=1ms${PROFILER_OPTS:-}" > /dev/null &
done
wait
echo "== profiling ${!PIDS[*]} for $SECONDS_TO_PROFILE s ($EVENT)"
sleep "$SECONDS_TO_PROFILE"
for name in "${!PIDS[@]}"; do
  attach "${PIDS[$name]}" "stop,collapsed,file=$OUT/$NAME-$name.collapsed" > /dev/null
done
# (awk, not head, takes the first lines: head exiting early would fail sort with SIGPIPE, and pipefail would end
# the script after the first process.)
for name in $(printf '%s\n' "${!PIDS[@]}" | sort); do
  file=$OUT/$NAME-$name.collapsed
  echo "== $name: $file"
  awk '{ n = $NF; $NF = ""; sub(/ $/, ""); k = split($0, f, ";"); self[f[k]] += n; total += n }
    END { printf "  %d samples\n", total; for (s in self) printf "%6.1f%%  %s\n", 100 * self[s] / total, s }' "$file" \
    | { read -r header; echo "$header"; sort -rn | awk 'NR <= 15' | cut -c1-160; }
done
