#!/usr/bin/env bash
# The end-to-end loopback comparison of issues 7 and 9: plain OkHttp (A), mesh4j (B), HAProxy (C),
# nginx (D) and a mesh4j gateway JVM, MeshFilter + mesh-gateway (G), against three Jetty backends,
# interleaved, at concurrency 1, 16 and 64.
#
#   benchmarks/run-e2e.sh            full run (~8-9 min on 2 cores), writes docs/benchmarks.md
#   benchmarks/run-e2e.sh --quick    ~1-2 min smoke, writes benchmarks/target/e2e-quick.md
#   benchmarks/run-e2e.sh --scenarios A,B [--concurrency ...]
#                                    a subset: writes benchmarks/target/e2e-partial.md (only a
#                                    full run replaces the latest run recorded in the page);
#                                    --scenarios D,G,J adds J, Jetty's own reverse proxy (no
#                                    mesh4j), the floor of a hop on Jetty's server and client
#   benchmarks/run-e2e.sh --tail     the slow-instance scenario of issue 19 (~1-2 min): backends of
#                                    1, 1 and 10 ms; mesh4j weighted_round_robin, least_request,
#                                    peak_ewma, peak_ewma + hedge, nginx least_conn, HAProxy
#                                    leastconn, at concurrency 16 and 64, with the all-healthy p99 of
#                                    the same run; prints a Markdown table (io.mesh4j.benchmarks.e2e.
#                                    TailMain: --concurrency, --warmup, --measure, --rounds,
#                                    --hedge-delay, --decay-time, --out); each mesh4j row also gives
#                                    the share of attempts that went to the 10 ms instance
#
#   benchmarks/run-e2e.sh --overload [--measure 15s --warmup 5s --load 2 --workers 2
#                                     --service-time 10ms --timeout 1s]
#                                    issue 19: a MeshFilter service of known capacity offered 2x
#                                    that capacity open-loop, without and with
#                                    inbound.concurrency_limit (gradient2, vegas); prints goodput
#                                    and p99 of the successful requests (~1.5 min). Needs no sidecars.
#
#   benchmarks/run-e2e.sh --mtls [--concurrency 1,16,64 --warmup 3s --measure 8s --rounds 2]
#                                    issue 18: the same mesh4j client to the same backend JVM over
#                                    plaintext and over mutual TLS (SPIFFE IDs), interleaved:
#                                    req/s, p50/p99, client and backend CPU per request, handshakes
#                                    per 10k requests, and the handshakes one identity rotation
#                                    causes (~2 min). Needs no sidecars. --floor adds plain
#                                    OkHttp without mesh4j over both ports: what TLS itself costs
#                                    an OkHttp client on this JDK (~4 min).
#
# Any other argument goes to io.mesh4j.benchmarks.e2e.E2eMain (--rounds, --warmup, --measure,
# --concurrency, --scenarios, --out). Environment: SKIP_BUILD=1 reuses the built jar;
# MVN_ARGS overrides the Maven flags (default -o, offline); E2E_TIMEOUT (s, default 900) bounds
# the run; E2E_JAVA_OPTS adds system properties to the driver JVM, e.g.
# -Dmesh4j.bench.gateway.jfr=/tmp/gateway.jfr (a JFR profile of the gateway JVM, scenario G) or
# -Dmesh4j.bench.gateway.async=false (G in blocking mode), or
# -Dmesh4j.bench.mtls.backend.jfr=/tmp/backend.jfr (a JFR profile of the --mtls backend JVM; split
# it per cell with benchmarks/tools/JfrShares.java, see docs/benchmarks.md). Installs haproxy and nginx from the
# Debian packages when they are missing.
# Everything listens on 127.0.0.1 and is stopped when the run ends or is interrupted.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
COMMAND="benchmarks/run-e2e.sh${*:+ $*}"
export PATH="$PATH:/usr/sbin:/sbin"

if [ "${1:-}" = "--mtls" ]; then
  if [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "building benchmarks/target/benchmarks.jar" >&2
    # shellcheck disable=SC2086
    mvn -B -q ${MVN_ARGS:--o} -pl benchmarks -am package -DskipTests
  fi
  echo "command: $COMMAND; revision $(git rev-parse --short HEAD 2>/dev/null || echo unknown); load: $(uptime)"
  exec timeout -k 30 "${E2E_TIMEOUT:-900}" \
    java -Xms512m -Xmx512m ${E2E_JAVA_OPTS:-} -cp benchmarks/target/benchmarks.jar \
    io.mesh4j.benchmarks.e2e.MtlsMain "$@"
fi

if [ "${1:-}" = "--overload" ]; then
  if [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "building benchmarks/target/benchmarks.jar" >&2
    # shellcheck disable=SC2086
    mvn -B -q ${MVN_ARGS:--o} -pl benchmarks -am package -DskipTests
  fi
  echo "command: $COMMAND; revision $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  exec timeout -k 30 "${E2E_TIMEOUT:-900}" \
    java -Xms512m -Xmx512m ${E2E_JAVA_OPTS:-} -cp benchmarks/target/benchmarks.jar \
    io.mesh4j.benchmarks.e2e.OverloadMain "$@"
fi

missing=()
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
command -v nginx >/dev/null 2>&1 || missing+=(nginx)
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing ${missing[*]} from the Debian packages" >&2
  $sudo apt-get install -y "${missing[@]}" >&2 || { $sudo apt-get update >&2 && $sudo apt-get install -y "${missing[@]}" >&2; }
fi

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "building benchmarks/target/benchmarks.jar" >&2
  # shellcheck disable=SC2086
  mvn -B -q ${MVN_ARGS:--o} -pl benchmarks -am package -DskipTests
fi

main=io.mesh4j.benchmarks.e2e.E2eMain
if [ "${1:-}" = "--tail" ]; then
  shift
  timeout -k 30 "${E2E_TIMEOUT:-900}" \
    java -Xms512m -Xmx512m ${E2E_JAVA_OPTS:-} -cp benchmarks/target/benchmarks.jar io.mesh4j.benchmarks.e2e.TailMain "$@" &
  pid=$!
  trap 'kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; exit 130' INT TERM
  status=0
  wait "$pid" || status=$?
  exit "$status"
fi

out=()
case " $* " in
  *" --out "*) ;;
  *" --quick "*) out=(--out benchmarks/target/e2e-quick.md) ;;
  # A subset of scenarios or concurrencies is not the full profile the page records as the latest
  # run (its comparison with the previous run and the sidecars would be lost): keep it aside.
  *" --scenarios "*|*" --concurrency "*) out=(--out benchmarks/target/e2e-partial.md) ;;
  *) out=(--out docs/benchmarks.md) ;;
esac

revision="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then revision="$revision (with uncommitted changes)"; fi

timeout -k 30 "${E2E_TIMEOUT:-900}" \
  java -Xms512m -Xmx512m ${E2E_JAVA_OPTS:-} -cp benchmarks/target/benchmarks.jar "$main" \
  --command "$COMMAND" --revision "$revision" "${out[@]}" "$@" &
pid=$!
# The JVM's shutdown hook stops the backends and sidecars on TERM (timeout forwards it).
trap 'kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; exit 130' INT TERM
status=0
wait "$pid" || status=$?
[ "$status" -ne 124 ] || echo "run-e2e: stopped after ${E2E_TIMEOUT:-900} s" >&2
exit "$status"
