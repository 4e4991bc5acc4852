#!/usr/bin/env bash
# EDS at scale: one cluster of 10,000 endpoints pushed by Envoy's java-control-plane (same JVM,
# loopback gRPC) to mesh4j's XdsClient; prints the apply time (response -> picker live), the heap
# per endpoint and the pick latency after the update. About 1 minute on 2 cores.
#
#   benchmarks/run-xds-eds.sh [ENDPOINTS [PUSHES]]      defaults: 10000 30
#
# Environment: SKIP_BUILD=1 reuses the built jar; MVN_ARGS overrides the Maven flags (default -o).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "building benchmarks/target/benchmarks.jar" >&2
  # shellcheck disable=SC2086
  mvn -B -q ${MVN_ARGS:--o} -pl benchmarks -am package -DskipTests
fi

exec java -Xms512m -Xmx512m -cp benchmarks/target/benchmarks.jar \
  io.mesh4j.benchmarks.xds.XdsEdsScale "${1:-10000}" "${2:-30}"
