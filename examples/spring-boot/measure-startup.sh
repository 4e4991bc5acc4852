#!/usr/bin/env bash
# Measures what mesh4j-spring-boot-starter adds to a Boot 4 application's startup: the example's
# storefront (StartupTiming), started RUNS times with the starter's jars on the class path and
# RUNS times without them (alternating, same JVM flags), printing the median and spread of each.
# Usage: mvn -B -q -pl examples/spring-boot -am package -DskipTests
#        bash examples/spring-boot/measure-startup.sh [RUNS] [extra JVM flags...]
set -euo pipefail
RUNS=${1:-11}; shift || true
JAR="$(dirname "$0")/target/mesh4j-spring-boot-example.jar"
DIR=$(mktemp -d); trap 'rm -rf "$DIR"' EXIT
(cd "$DIR" && unzip -q "$OLDPWD/$JAR")
# Jars only the starter brings (mesh4j, OkHttp + Kotlin, Resilience4j, Caffeine, Jackson 2).
ONLY_MESH='^(mesh-|okhttp-|okio-|kotlin-stdlib|annotations-13|resilience4j-|caffeine-|error_prone_annotations|jackson-(core|databind|dataformat-yaml)-2\.)'
WITH="$DIR/BOOT-INF/classes"; WITHOUT="$DIR/BOOT-INF/classes"
for j in "$DIR"/BOOT-INF/lib/*.jar; do
  WITH="$WITH:$j"
  if ! basename "$j" | grep -Eq "$ONLY_MESH"; then WITHOUT="$WITHOUT:$j"; fi
done
run() { java "$@" | sed -n 's/^startup-ms=//p'; }
: > "$DIR/with"; : > "$DIR/without"
for i in $(seq "$RUNS"); do
  run -cp "$WITHOUT" "${@}" io.mesh4j.examples.boot.StartupTiming >> "$DIR/without"
  run -cp "$WITH" "${@}" io.mesh4j.examples.boot.StartupTiming >> "$DIR/with"
done
stats() { sort -n "$1" | awk '{a[NR]=$1} END {printf "median %d ms, min %d, max %d, n=%d (%s)\n", a[int((NR+1)/2)], a[1], a[NR], NR, "'"$2"'"}'; }
stats "$DIR/without" "without the starter"
stats "$DIR/with" "with the starter"
echo "runs without: $(tr '\n' ' ' < "$DIR/without")"
echo "runs with:    $(tr '\n' ' ' < "$DIR/with")"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
