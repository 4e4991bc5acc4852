#!/usr/bin/env bash
# Measures what mesh4j-spring-boot-starter adds to a Boot 4 application's startup: the example's
# storefront (StartupTiming), started RUNS times with the starter's jars on the class path and
# RUNS times without them (alternating, same JVM flags), printing the median and spread of each.
# Usage: mvn -B -q -pl examples/spring-boot -am package -DskipTests
#        bash examples/spring-boot/measure-startup.sh [RUNS] [extra JVM flags...]
# KEEP=<regex> keeps the matching starter jars in the "without" class path too, to tell what their
# mere presence costs, e.g. KEEP='^jackson-(core|databind|dataformat-yaml)-2\.' (Spring reacts to
# Jackson 2 on the class path with converters and an actuator ObjectMapper of its own).
# CDS=1 gives both class paths Boot's class-data-sharing treatment: the application's classes are
# jarred (CDS archives classes from jars only), one training run per class path with
# -XX:ArchiveClassesAtExit and -Dspring.context.exit=onRefresh writes a dynamic archive, and every
# measured run then starts with -XX:SharedArchiveFile of its own class path's archive.
# BASELINE=hand-wired measures the starter against the same storefront with the same mesh wired
# by hand (HandWiredMesh: Mesh bean, wrapped OkHttp client for RestClient, MeshFilter; the starter
# off with mesh4j.enabled=false), both on the full class path: what the starter itself adds over
# doing it by hand, with mesh4j's own classes on both sides. The default baseline is the storefront
# with no mesh4j at all (the starter's jars off the class path): what mesh4j costs as a whole.
set -euo pipefail
RUNS=${1:-11}; shift || true
JAR="$(cd "$(dirname "$0")" && pwd)/target/mesh4j-spring-boot-example.jar"
DIR=$(mktemp -d); trap 'rm -rf "$DIR"' EXIT
(cd "$DIR" && unzip -q "$JAR")
# Jars only the starter brings (mesh4j, OkHttp + Kotlin, Resilience4j, Caffeine, Jackson 2).
ONLY_MESH='^(mesh-|okhttp-|okio-|kotlin-stdlib|annotations-13|resilience4j-|caffeine-|error_prone_annotations|jackson-(core|databind|dataformat-yaml)-2\.)'
APP="$DIR/BOOT-INF/classes"
if [ "${CDS:-0}" = 1 ]; then (cd "$DIR/BOOT-INF/classes" && jar cf "$DIR/app.jar" .); APP="$DIR/app.jar"; fi
WITH="$APP"; WITHOUT="$APP"
for j in "$DIR"/BOOT-INF/lib/*.jar; do
  WITH="$WITH:$j"
  if ! basename "$j" | grep -Eq "$ONLY_MESH" || { [ -n "${KEEP:-}" ] && basename "$j" | grep -Eq "$KEEP"; }; then
    WITHOUT="$WITHOUT:$j"
  fi
done
METRICS="startup-ms main-cpu-ms cpu-ms classes"
BASE_ARGS=()
if [ "${BASELINE:-none}" = hand-wired ]; then WITHOUT="$WITH"; BASE_ARGS=(--hand-wired)
elif [ "${BASELINE:-none}" != none ]; then echo "BASELINE: $BASELINE (expected: none or hand-wired)" >&2; exit 2; fi
run() { # $1 = with|without, rest = java args
  local args=(); [ "$1" = without ] && args=("${BASE_ARGS[@]}")
  local out; out=$(java "${@:2}" io.mesh4j.examples.boot.StartupTiming "${args[@]}")
  for m in $METRICS; do echo "$out" | sed -n "s/^$m=//p" >> "$DIR/$1.$m"; done
}
CDS_WITH=(); CDS_WITHOUT=()
if [ "${CDS:-0}" = 1 ]; then
  for v in with without; do
    cp=$WITH; targs=(); [ $v = without ] && cp=$WITHOUT && targs=("${BASE_ARGS[@]}")
    java -XX:ArchiveClassesAtExit="$DIR/$v.jsa" -Dspring.context.exit=onRefresh -cp "$cp" "$@" \
      io.mesh4j.examples.boot.StartupTiming "${targs[@]}" > "$DIR/$v.training.log" 2>&1 || true
    [ -s "$DIR/$v.jsa" ] || { echo "no CDS archive for $v:"; cat "$DIR/$v.training.log"; exit 1; }
  done
  CDS_WITH=(-Xshare:on -XX:SharedArchiveFile="$DIR/with.jsa"); CDS_WITHOUT=(-Xshare:on -XX:SharedArchiveFile="$DIR/without.jsa")
fi
for i in $(seq "$RUNS"); do
  run without "${CDS_WITHOUT[@]}" -cp "$WITHOUT" "$@"
  run with "${CDS_WITH[@]}" -cp "$WITH" "$@"
done
stats() { sort -n "$1" | awk '{a[NR]=$1} END {printf "median %6d  min %6d  max %6d  n=%d", a[int((NR+1)/2)], a[1], a[NR], NR}'; }
for m in $METRICS; do
  echo "$m  without: $(stats "$DIR/without.$m")   with: $(stats "$DIR/with.$m")"
done
for m in $METRICS; do
  echo "  $m runs without: $(tr '\n' ' ' < "$DIR/without.$m")"
  echo "  $m runs with:    $(tr '\n' ' ' < "$DIR/with.$m")"
done
paired() { paste "$DIR/with.$1" "$DIR/without.$1" | awk '{print $1-$2}' | sort -n | awk '{a[NR]=$1} END {printf "%d", a[int((NR+1)/2)]}'; }
for m in $METRICS; do echo "$m paired median (with - without): $(paired "$m")"; done
echo "CDS=${CDS:-0} BASELINE=${BASELINE:-none} java: $(java -version 2>&1 | head -1)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
