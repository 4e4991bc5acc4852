package io.mesh4j.internal.server;

import io.mesh4j.config.HeadersConfig;
import io.mesh4j.internal.fault.FaultInjector;
import io.mesh4j.internal.ratelimit.KeyedTokenBuckets;
import io.mesh4j.internal.ratelimit.TokenBucket;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.route.Route;
import io.mesh4j.route.RouteAction;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * What the mesh keeps per inbound route of one snapshot: the route's token bucket (or its
 * per-client buckets), fault injector and meters. Built once per snapshot ({@link InboundPlan}); thread-safe. Timers are
 * registered on first use of each (outcome, status class) pair and then read from an array, so a
 * request looks no meter up in the registry after warm-up.
 */
public final class RouteState {
  /** Status classes: index 1..5 for 1xx..5xx, 0 for anything else. */
  private static final String[] STATUS_CLASSES = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};

  final String tag;
  final Route route;
  final RouteAction action;
  final HeadersConfig headers;
  final TokenBucket bucket;
  /** The per-client buckets of a keyed {@code rate_limit}, or null. */
  final KeyedTokenBuckets keyed;
  final FaultInjector fault;
  final Counter rateLimited;
  private final MeterRegistry registry;
  private final String service;
  private final AtomicReferenceArray<Timer> timers =
      new AtomicReferenceArray<>(Outcome.ALL.length * STATUS_CLASSES.length);

  RouteState(String tag, Route route, TokenBucket bucket, MeterRegistry registry, String service) {
    this(tag, route, bucket, null, registry, service);
  }

  RouteState(String tag, Route route, TokenBucket bucket, KeyedTokenBuckets keyed,
      MeterRegistry registry, String service) {
    this.tag = tag;
    this.route = route;
    this.action = route == null ? RouteAction.Pass.INSTANCE : route.action();
    HeadersConfig h = route == null ? null : route.headers();
    this.headers = h == null || (h.add().isEmpty() && h.remove().isEmpty()) ? null : h;
    this.bucket = bucket;
    this.keyed = keyed;
    this.fault = route == null ? FaultInjector.NONE : FaultInjector.of(route.fault());
    this.registry = registry;
    this.service = service;
    this.rateLimited = bucket == null && keyed == null ? null
        : Counter.builder(MeshMetricNames.SERVER_RATELIMITED)
            .description("Inbound requests rejected with 429 by the route's rate limit")
            .tag(MeshMetricNames.TAG_SERVICE, service)
            .tag(MeshMetricNames.TAG_ROUTE, tag)
            .register(registry);
  }

  /** The bucket that limits {@code view} on this route, or {@code null} without a rate limit. */
  TokenBucket bucket(io.mesh4j.route.RequestView view) {
    if (bucket != null) return bucket;
    return keyed == null ? null : keyed.bucket(view);
  }

  /** The route ({@code null} for requests no route matched). */
  public Route route() {
    return route;
  }

  /** The route's {@code headers} for the application's view of the request, or {@code null}. */
  public HeadersConfig headers() {
    return headers;
  }

  /** The timer for this outcome and status; registered on first use. */
  Timer timer(Outcome outcome, int status) {
    int statusClass = status >= 100 && status <= 599 ? status / 100 : 0;
    int i = outcome.ordinal() * STATUS_CLASSES.length + statusClass;
    Timer t = timers.get(i);
    if (t == null) {
      t = Timer.builder(MeshMetricNames.SERVER_REQUESTS)
          .description("Inbound requests handled by the mesh filter")
          .tag(MeshMetricNames.TAG_SERVICE, service)
          .tag(MeshMetricNames.TAG_ROUTE, tag)
          .tag(MeshMetricNames.TAG_STATUS, STATUS_CLASSES[statusClass])
          .tag(MeshMetricNames.TAG_OUTCOME, outcome.tag)
          .register(registry);
      timers.set(i, t);
    }
    return t;
  }
}
