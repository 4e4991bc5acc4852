package io.mesh4j.policy;

import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.route.RouteTable;
import io.mesh4j.time.Ticker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link RequestPolicy} as a snapshot uses it: its registered name, the direction and failure
 * mode it declared (read once), its error counters (resolved once) and the rate limit on its error
 * log. Made once per config snapshot, per place the config names the policy; immutable apart from
 * the log's clock, thread-safe.
 */
public final class CompiledPolicy {
  /** How often a failing policy is logged at most. */
  public static final Duration LOG_INTERVAL = Duration.ofMinutes(1);

  private static final Logger log = LoggerFactory.getLogger(RequestPolicy.class);

  /** Where error reports go; replaceable in tests. */
  interface Log {
    void warn(String message, Throwable error);
  }

  private static final Log SLF4J = (message, error) -> log.warn(message, error);

  private final String name;
  private final RequestPolicy policy;
  private final RequestPolicy.Direction direction;
  private final RequestPolicy.FailureMode failureMode;
  private final Ticker ticker;
  private final long intervalNanos;
  private final Log sink;
  // [side][phase]: side 0 outbound, 1 inbound; phase 0 request, 1 complete
  private final Counter[][] errors = new Counter[2][2];
  private final AtomicLong nextLogAt;
  private final AtomicLong suppressed = new AtomicLong();

  CompiledPolicy(String name, RequestPolicy policy, MeterRegistry registry, Ticker ticker, Log sink) {
    this.name = Objects.requireNonNull(name, "name");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.sink = sink;
    RequestPolicy.Direction d = policy.direction();
    RequestPolicy.FailureMode f = policy.failureMode();
    this.direction = d == null ? RequestPolicy.Direction.BOTH : d;
    this.failureMode = f == null ? RequestPolicy.FailureMode.FAIL_OPEN : f;
    this.intervalNanos = LOG_INTERVAL.toNanos();
    this.nextLogAt = new AtomicLong(ticker.read());
    for (RouteTable.Direction side : RouteTable.Direction.values()) {
      if (!direction.includes(side)) continue;
      for (int phase = 0; phase < 2; phase++) {
        errors[side.ordinal()][phase] = Counter.builder(MeshMetricNames.POLICY_ERRORS)
            .description("Request policies that threw, contained as their failure mode says")
            .tag(MeshMetricNames.TAG_POLICY, name)
            .tag(MeshMetricNames.TAG_SIDE, side.name().toLowerCase(Locale.ROOT))
            .tag(MeshMetricNames.TAG_PHASE, phase == 0 ? "request" : "complete")
            .register(registry);
      }
    }
  }

  /**
   * Wraps {@code policy}, created under {@code name}: reads its direction and failure mode and
   * registers its error counters in {@code registry}; failures are logged through SLF4J at most
   * once per {@link #LOG_INTERVAL} on {@code ticker}.
   *
   * @throws NullPointerException if an argument is null
   */
  public static CompiledPolicy of(
      String name, RequestPolicy policy, MeterRegistry registry, Ticker ticker) {
    return new CompiledPolicy(name, policy, Objects.requireNonNull(registry, "registry"), ticker, SLF4J);
  }

  /** The registered name the config used. */
  public String name() {
    return name;
  }

  /** The policy. */
  public RequestPolicy policy() {
    return policy;
  }

  /** The sides it runs on, as declared when compiled. */
  public RequestPolicy.Direction direction() {
    return direction;
  }

  /** What a throw from its {@code onRequest} does, as declared when compiled. */
  public RequestPolicy.FailureMode failureMode() {
    return failureMode;
  }

  /** Counts and (rate-limited) logs one failure. Never throws. */
  void failed(RouteTable.Direction side, boolean requestPhase, Throwable error) {
    try {
      Counter c = errors[side.ordinal()][requestPhase ? 0 : 1];
      if (c != null) c.increment();
      long now = ticker.read();
      long next = nextLogAt.get();
      if (now - next < 0 || !nextLogAt.compareAndSet(next, now + intervalNanos)) {
        suppressed.incrementAndGet();
        return;
      }
      long more = suppressed.getAndSet(0);
      String contained = requestPhase
          ? (failureMode == RequestPolicy.FailureMode.FAIL_OPEN
              ? "the request went on without it (fail-open)"
              : "the request was answered 500 (fail-closed)")
          : "the response was not changed";
      sink.warn("mesh4j: policy '" + name + "' threw in " + (requestPhase ? "onRequest" : "onComplete")
          + " on the " + side.name().toLowerCase(Locale.ROOT) + " side; " + contained
          + (more > 0 ? "; " + more + " more failure(s) of this policy since the last report" : "")
          + " (logged at most once per " + LOG_INTERVAL.toMinutes() + " min)", error);
    } catch (RuntimeException ignored) {
      // A broken meter registry or logger must not break the request either.
    }
  }

  @Override
  public String toString() {
    return "CompiledPolicy{" + name + ", " + direction + ", " + failureMode + "}";
  }
}
