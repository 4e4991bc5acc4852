#!/usr/bin/env bash
# The JMH suite's short profile (< ~5 min on 2 cores): every benchmark in the benchmarks module,
# 1 fork, 2 x 500 ms warm-up + 3 x 500 ms measured, with the GC profiler; prints a summary table
# (score, error, B/op) and writes JMH's JSON to benchmarks/target/jmh-result.json.
#
#   benchmarks/run-jmh.sh                       all benchmarks
#   benchmarks/run-jmh.sh PickerBenchmark       only those matching a regex (several allowed)
#   benchmarks/run-jmh.sh --out docs/benchmarks.md   also write the summary into the doc
#
# Environment: SKIP_BUILD=1 reuses the built jar; MVN_ARGS overrides the Maven flags (default -o).
# For a full-length run use the jar directly: java -jar benchmarks/target/benchmarks.jar -prof gc
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
COMMAND="benchmarks/run-jmh.sh${*:+ $*}"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "building benchmarks/target/benchmarks.jar" >&2
  # shellcheck disable=SC2086
  mvn -B -q ${MVN_ARGS:--o} -pl benchmarks -am package -DskipTests
fi

exec java -cp benchmarks/target/benchmarks.jar io.mesh4j.benchmarks.jmh.JmhRunner \
  --command "$COMMAND" --json benchmarks/target/jmh-result.json "$@"
