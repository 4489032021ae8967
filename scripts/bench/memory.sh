#!/usr/bin/env bash
# Resident memory of the service under 8 concurrent 48-frame Segment calls (the bundled sample MP4,
# "the red disc", Python clients), once with the JVM's default sizing (java -jar) and then through
# scripts/refseg (the shipped budget) with each heap cap in HEAP_MAXES, one after the other on the same
# machine. Prints peak RSS (VmHWM), RSS when the calls are done and after 20 s idle, the wall time of
# the calls, and how many failed.
#   bash scripts/bench/memory.sh [CALLS] [ROUNDS]        (HEAP_MAXES="1500m 2g 3g" by default;
#   EXTRA_OPTS="-Drefseg.inference.cpu-arena=true" adds server options; SKIP_DEFAULT=1 skips java -jar)
set -euo pipefail
cd "$(dirname "$0")/../.."
CALLS=${1:-8}
ROUNDS=${2:-2}
APP=target/quarkus-app/quarkus-run.jar
[ -f "$APP" ] || ./mvnw -B -q package -DskipTests
SAMPLE=target/bench-sample
[ -f $SAMPLE/clip.mp4 ] || java -jar $APP synth --sample --out $SAMPLE > /dev/null
PORT=19300
rss() { awk -v k="$2" '$1 == k":" {print int($2 / 1024)}' /proc/"$1"/status 2>/dev/null || echo -1; } # -1: exited

PROPS="-Dquarkus.grpc.server.port=$PORT -Dquarkus.http.port=$((PORT + 1)) ${EXTRA_OPTS:-}"
(cd clients/python && /usr/bin/python3 -c "import refseg_client; refseg_client.load_stubs()")

run() { # label, command... (the server's JVM options are in $PROPS)
  local label=$1; shift
  "$@" > target/bench-memory-$label.log 2>&1 &
  local pid=$!
  for _ in $(seq 1 120); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.5; done
  local start_rss; start_rss=$(rss $pid VmRSS)
  local t0; t0=$(date +%s.%N)
  local failed=0
  for r in $(seq 1 "$ROUNDS"); do
    local clients=()
    for i in $(seq 1 "$CALLS"); do
      /usr/bin/python3 clients/python/refseg_client.py --target localhost:$PORT --text "the red disc" \
        --mp4 $SAMPLE/clip.mp4 > target/bench-memory-client-$i.log 2>&1 &
      clients+=($!)
    done
    for c in "${clients[@]}"; do wait "$c" || failed=$((failed + 1)); done
  done
  local t1; t1=$(date +%s.%N)
  local done_rss; done_rss=$(rss $pid VmRSS)
  local peak_rss; peak_rss=$(rss $pid VmHWM)
  sleep 20
  local idle_rss; idle_rss=$(rss $pid VmRSS)
  printf '%-12s %d rounds of %d calls in %5.1f s (%d failed): RSS at start %5d MB, peak %5d MB, when done %5d MB, after 20 s idle %5d MB\n' \
    "$label" "$ROUNDS" "$CALLS" "$(echo "$t1 - $t0" | bc)" "$failed" "$start_rss" "$peak_rss" "$done_rss" "$idle_rss"
  grep -h "OutOfMemoryError" target/bench-memory-$label.log || true
  kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
}

# shellcheck disable=SC2086
[ -n "${SKIP_DEFAULT:-}" ] || run default java $PROPS -jar $APP
for max in ${HEAP_MAXES:-1500m 2g 3g}; do
  run "budget-$max" env REFSEG_HEAP_MAX="$max" JAVA_OPTS="$PROPS" scripts/refseg
done
