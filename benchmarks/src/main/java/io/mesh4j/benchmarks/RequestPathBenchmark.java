package io.mesh4j.benchmarks;

import io.mesh4j.route.RequestPath;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link RequestPath#canonical} on an already-canonical path (the fast path: one scan, the same
 * string back, expected 0 B/op) and on paths that need work (dot segments, escapes, parameters).
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar RequestPath -f 1 -wi 2 -i 3 -w 1s -r 1s -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class RequestPathBenchmark {
  @Param({
      "/api/v1/users/12345/orders",
      "/api/v1/../v1/users/%31%32;jsessionid=9/orders",
  })
  public String path;

  @Benchmark
  public String canonical() {
    return RequestPath.DEFAULT.canonical(path);
  }
}
