package io.mesh4j.internal;

import io.mesh4j.config.PropagateConfig;
import io.mesh4j.context.MeshContext;
import io.mesh4j.route.RequestView;
import java.time.Duration;

/**
 * Reads and writes the headers of {@code propagate.deadline_headers}: {@code grpc-timeout} in
 * gRPC's format (1 to 8 digits and a unit, {@code H M S m u n}), any other header as whole
 * milliseconds (1 to 18 digits, as Envoy's {@code x-envoy-expected-rq-timeout-ms}). Stateless;
 * parsing allocates nothing.
 *
 * <p>Engine internal: public only so the adapters in other modules can reach it.
 */
public final class Deadlines {
  private Deadlines() {}

  /** The time {@code value} of header {@code name} stands for, in nanoseconds; -1 when invalid. */
  public static long parse(String name, String value) {
    if (value == null) return -1;
    String v = value.strip();
    if (PropagateConfig.GRPC_TIMEOUT.equals(name)) return parseGrpc(v);
    int n = v.length();
    if (n == 0 || n > 18) return -1;
    long ms = 0;
    for (int i = 0; i < n; i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') return -1;
      ms = ms * 10 + (c - '0');
    }
    return ms > Long.MAX_VALUE / 1_000_000L ? Long.MAX_VALUE : ms * 1_000_000L;
  }

  private static long parseGrpc(String v) {
    int n = v.length();
    if (n < 2 || n > 9) return -1;
    long amount = 0;
    for (int i = 0; i < n - 1; i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') return -1;
      amount = amount * 10 + (c - '0');
    }
    long unit = switch (v.charAt(n - 1)) {
      case 'H' -> 3_600_000_000_000L;
      case 'M' -> 60_000_000_000L;
      case 'S' -> 1_000_000_000L;
      case 'm' -> 1_000_000L;
      case 'u' -> 1_000L;
      case 'n' -> 1L;
      default -> -1;
    };
    if (unit < 0) return -1;
    return amount > Long.MAX_VALUE / unit ? Long.MAX_VALUE : amount * unit;
  }

  /**
   * {@code nanos} (at least 0) as a value of header {@code name}: for {@code grpc-timeout} the
   * finest unit whose value fits 8 digits, rounded up; otherwise whole milliseconds, rounded up
   * (so a request with time left is never told it has none).
   */
  public static String format(String name, long nanos) {
    long t = Math.max(0, nanos);
    if (!PropagateConfig.GRPC_TIMEOUT.equals(name)) {
      return Long.toString(ceilDiv(t, 1_000_000L));
    }
    long[] units = {1L, 1_000L, 1_000_000L, 1_000_000_000L, 60_000_000_000L, 3_600_000_000_000L};
    char[] names = {'n', 'u', 'm', 'S', 'M', 'H'};
    for (int i = 0; i < units.length; i++) {
      long v = ceilDiv(t, units[i]);
      if (v < 100_000_000L) return Long.toString(v) + names[i];
    }
    return "99999999H";
  }

  private static long ceilDiv(long a, long b) {
    return a / b + (a % b == 0 ? 0 : 1);
  }

  /**
   * {@code context} with the deadline of an inbound request that started at {@code startNanos}:
   * the earliest of the first valid {@code deadline_headers} value and the route's {@code timeout}
   * ({@code routeTimeout}, or null); {@code context} itself when neither applies. The deadline is
   * forwarded in the header it came in, else the first deadline header (none when none is
   * configured).
   */
  public static MeshContext inbound(MeshContext context, PropagateConfig propagate,
      RequestView request, Duration routeTimeout, long startNanos) {
    java.util.List<String> headers = propagate.deadlineHeaders();
    long nanos = -1;
    String from = null;
    for (int i = 0, n = headers.size(); i < n; i++) {
      String name = headers.get(i);
      long t = parse(name, request.header(name));
      if (t >= 0) {
        nanos = t;
        from = name;
        break;
      }
    }
    if (routeTimeout != null) {
      long r = saturatedNanos(routeTimeout);
      if (nanos < 0 || r < nanos) nanos = r;
    }
    if (nanos < 0) return context;
    if (from == null && !headers.isEmpty()) from = headers.get(0);
    long deadline = startNanos + nanos;
    if (((startNanos ^ deadline) & (nanos ^ deadline)) < 0) deadline = Long.MAX_VALUE;
    if (context.hasDeadline() && context.deadlineNanos() - deadline <= 0) return context;
    return context.withDeadline(deadline, from);
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}
