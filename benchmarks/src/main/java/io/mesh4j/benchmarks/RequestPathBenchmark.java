package io.mesh4j.benchmarks;

import io.mesh4j.config.PathNormalizationConfig;
import io.mesh4j.config.PathNormalizationConfig.EscapedSlashes;
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
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-request path decision an adapter makes ({@link RequestPath#canonical}, then {@link
 * RequestPath#redirect} / {@link RequestPath#refusal} only when that returned {@code null}) under
 * each {@code path_normalization} case:
 *
 * <ul>
 *   <li>{@code canonical}: an already-canonical path, the fast path (one scan, the same string
 *       back, expected 0 B/op);
 *   <li>{@code dots_escapes}: dot segments, unreserved escapes and a {@code ;} parameter;
 *   <li>{@code keep_unchanged}, {@code unescape_and_forward}, {@code unescape_and_redirect}: a path
 *       with a {@code %2F}, under each escaped-slash action;
 *   <li>{@code refused}: the same path under the default {@code reject_request} (400).
 * </ul>
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
      "canonical", "dots_escapes", "keep_unchanged", "unescape_and_forward",
      "unescape_and_redirect", "refused",
  })
  public String scenario;

  private RequestPath rules;
  private String path;

  @Setup
  public void setUp() {
    String slash = "/api/v1/users%2F12345/orders";
    switch (scenario) {
      case "canonical" -> use(EscapedSlashes.REJECT_REQUEST, "/api/v1/users/12345/orders");
      case "dots_escapes" ->
          use(EscapedSlashes.REJECT_REQUEST, "/api/v1/../v1/users/%31%32;jsessionid=9/orders");
      case "keep_unchanged" -> use(EscapedSlashes.KEEP_UNCHANGED, slash);
      case "unescape_and_forward" -> use(EscapedSlashes.UNESCAPE_AND_FORWARD, slash);
      case "unescape_and_redirect" -> use(EscapedSlashes.UNESCAPE_AND_REDIRECT, slash);
      case "refused" -> use(EscapedSlashes.REJECT_REQUEST, slash);
      default -> throw new IllegalArgumentException(scenario);
    }
    if (decide() == null) throw new IllegalStateException(scenario + ": no decision");
  }

  private void use(EscapedSlashes action, String p) {
    rules = RequestPath.of(new PathNormalizationConfig(true, true, action));
    path = p;
  }

  /** The canonical path, else the redirect target, else the refusal reason. */
  @Benchmark
  public Object decide() {
    String c = rules.canonical(path);
    if (c != null) return c;
    String target = rules.redirect(path);
    if (target != null) return target;
    return rules.refusal(path);
  }
}
