package io.mesh4j.okhttp;

import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.internal.resilience.RetryDecision;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The client's Micrometer meters ({@link MeshMetricNames}{@code .CLIENT_*}). Meters are resolved
 * when a route/cluster pair is first used and kept in arrays indexed by outcome, status class and
 * retry reason, so recording never looks a meter up by name. A racing first use may register the
 * same meter twice; Micrometer returns the same instance, so the race is harmless. Thread-safe.
 */
final class ClientMeters {
  /** Status classes: index 0 = none, 1..5 = 1xx..5xx. */
  static final String[] STATUS_CLASSES = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};

  /** How a mesh call ended, for the {@code outcome} tag. */
  enum Outcome {
    /** An upstream response (any status). */
    RESPONSE("response"),
    /** A {@code respond} or {@code redirect} route's synthetic response. */
    DIRECT("direct"),
    /** A fault-injection abort. */
    FAULT("fault"),
    NO_ROUTE("no-route"),
    INVALID_PATH("invalid-path"),
    NO_HEALTHY_ENDPOINT("no-healthy-endpoint"),
    CIRCUIT_OPEN("circuit-open"),
    CONCURRENCY_LIMIT("concurrency-limit"),
    BUDGET_EXHAUSTED("budget-exhausted"),
    TIMEOUT("timeout"),
    DEADLINE_EXCEEDED("deadline-exceeded"),
    CANCELLED("cancelled"),
    UPSTREAM_FAILURE("upstream-failure"),
    PEER_IDENTITY_REFUSED("peer-identity-refused");

    final String tag;

    Outcome(String tag) {
      this.tag = tag;
    }

    static Outcome of(MeshException.Reason r) {
      return switch (r) {
        case NO_ROUTE -> NO_ROUTE;
        case INVALID_PATH -> INVALID_PATH;
        case NO_HEALTHY_ENDPOINT -> NO_HEALTHY_ENDPOINT;
        case CIRCUIT_OPEN -> CIRCUIT_OPEN;
        case CONCURRENCY_LIMIT -> CONCURRENCY_LIMIT;
        case BUDGET_EXHAUSTED -> BUDGET_EXHAUSTED;
        case TIMEOUT -> TIMEOUT;
        case DEADLINE_EXCEEDED -> DEADLINE_EXCEEDED;
        case CANCELLED -> CANCELLED;
        case UPSTREAM_FAILURE -> UPSTREAM_FAILURE;
        case PEER_IDENTITY_REFUSED -> PEER_IDENTITY_REFUSED;
      };
    }
  }

  private final MeterRegistry registry;
  private final boolean perEndpoint;

  ClientMeters(MeterRegistry registry, boolean perEndpoint) {
    this.registry = registry;
    this.perEndpoint = perEndpoint;
  }

  MeterRegistry registry() {
    return registry;
  }

  /** The status-class index of {@code status}: 1..5, or 0 for none / out of range. */
  static int statusClass(int status) {
    int c = status / 100;
    return c >= 1 && c <= 5 ? c : 0;
  }

  RouteMeters route(String service, String route, String cluster) {
    return new RouteMeters(service, route, cluster);
  }

  Counter counter(String name, String description, Tags tags) {
    return Counter.builder(name).description(description).tags(tags).register(registry);
  }

  /** The meters of one (route, cluster) pair. */
  final class RouteMeters {
    private final Tags tags;
    private final Counter attempts;
    private final AtomicReferenceArray<Timer> requests =
        new AtomicReferenceArray<>(Outcome.values().length * STATUS_CLASSES.length);
    private final AtomicReferenceArray<Counter> retries =
        new AtomicReferenceArray<>(RetryDecision.values().length);
    private final Map<Endpoint, Counter> endpointAttempts;

    RouteMeters(String service, String route, String cluster) {
      this.tags =
          Tags.of(
              MeshMetricNames.TAG_SERVICE, service,
              MeshMetricNames.TAG_ROUTE, route,
              MeshMetricNames.TAG_CLUSTER, cluster);
      this.attempts =
          perEndpoint
              ? null
              : counter(MeshMetricNames.CLIENT_ATTEMPTS, "Attempts sent to endpoints", tags);
      this.endpointAttempts = perEndpoint ? new ConcurrentHashMap<>() : null;
    }

    void attempt(Endpoint endpoint) {
      if (attempts != null) {
        attempts.increment();
        return;
      }
      Counter c = endpointAttempts.get(endpoint);
      if (c == null) {
        c =
            endpointAttempts.computeIfAbsent(
                endpoint,
                e ->
                    counter(
                        MeshMetricNames.CLIENT_ATTEMPTS,
                        "Attempts sent to endpoints",
                        tags.and(MeshMetricNames.TAG_ENDPOINT, e.address())));
      }
      c.increment();
    }

    void request(Outcome outcome, int status, long nanos) {
      int sc = statusClass(status);
      int i = outcome.ordinal() * STATUS_CLASSES.length + sc;
      Timer t = requests.get(i);
      if (t == null) {
        t =
            Timer.builder(MeshMetricNames.CLIENT_REQUESTS)
                .description("Mesh calls, from routing to the final response headers or failure")
                .tags(tags)
                .tag(MeshMetricNames.TAG_STATUS_CLASS, STATUS_CLASSES[sc])
                .tag(MeshMetricNames.TAG_OUTCOME, outcome.tag)
                .register(registry);
        requests.set(i, t);
      }
      t.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    void retry(RetryDecision reason) {
      Counter c = retries.get(reason.ordinal());
      if (c == null) {
        c =
            counter(
                MeshMetricNames.CLIENT_RETRIES,
                "Retries made, by the condition that allowed them",
                tags.and(MeshMetricNames.TAG_REASON, reason.reason()));
        retries.set(reason.ordinal(), c);
      }
      c.increment();
    }
  }
}
