package io.mesh4j.examples.demo;

import io.mesh4j.Mesh;
import io.mesh4j.cluster.Cluster;
import io.mesh4j.cluster.EndpointStatus;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.outlier.EjectionReason;
import io.micrometer.core.instrument.Counter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The live table: the frontend mesh's view of every endpoint (state, requests per second, share
 * of traffic, failed attempts) and the traffic generator's totals, rendered from {@link
 * Cluster#statuses()} and the mesh's meters. Not thread-safe: one thread renders.
 */
final class LiveTable {
  private final Services services;
  private final Traffic traffic;
  private final Map<String, Long> lastAttempts = new HashMap<>();
  private long lastRequests;
  private long lastNanos = System.nanoTime();

  LiveTable(Services services, Traffic traffic) {
    this.services = services;
    this.traffic = traffic;
  }

  /** Sum of the frontend's {@code mesh.client.retries} counters. */
  static long retries(Mesh mesh) {
    double sum = 0;
    for (Counter c : mesh.meterRegistry().find(MeshMetricNames.CLIENT_RETRIES).counters()) {
      sum += c.count();
    }
    return (long) sum;
  }

  /** The table, with rates since the previous call. */
  String render(String title) {
    long now = System.nanoTime();
    double seconds = Math.max(1e-3, (now - lastNanos) / 1e9);
    lastNanos = now;
    Mesh mesh = services.mesh();
    Map<String, Long> deltas = new HashMap<>();
    long sum = 0;
    for (Cluster c : mesh.current().clusters().values()) {
      for (EndpointStatus s : c.statuses()) {
        String key = c.name() + "/" + s.endpoint().address();
        long attempts = s.successes() + s.failures();
        long delta = attempts - lastAttempts.getOrDefault(key, attempts);
        lastAttempts.put(key, attempts);
        deltas.put(key, delta);
        sum += delta;
      }
    }
    StringBuilder b = new StringBuilder(1024);
    b.append(title).append('\n');
    b.append(String.format(Locale.ROOT, "  %-14s %-16s %6s  %-30s %6s %6s %8s %6s%n",
        "instance", "address", "weight", "state (frontend's view)", "req/s", "share", "total", "errors"));
    for (String name : services.mesh().current().config().clusters().stream().map(c -> c.name()).toList()) {
      Cluster c = mesh.cluster(name);
      if (c == null) continue;
      List<EndpointStatus> statuses = c.statuses();
      boolean scaled = false;
      for (EndpointStatus s : statuses) scaled |= s.effectiveWeight() > s.endpoint().weight();
      for (EndpointStatus s : statuses) {
        String key = name + "/" + s.endpoint().address();
        long delta = deltas.getOrDefault(key, 0L);
        Instance instance = services.byPort(s.endpoint().port());
        b.append(String.format(Locale.ROOT, "  %-14s %-16s %6d  %-30s %6.0f %5.1f%% %8d %6d%n",
            instance != null ? instance.name() : name, s.endpoint().address(),
            s.endpoint().weight(), state(s, scaled),
            delta / seconds, sum == 0 ? 0.0 : 100.0 * delta / sum,
            s.successes() + s.failures(), s.failures()));
      }
    }
    Tally all = traffic.overall();
    long requests = all.requests();
    b.append(String.format(Locale.ROOT,
        "  clients: %.0f req/s, %d requests, %d failed   frontend mesh: %d retries%n",
        (requests - lastRequests) / seconds, requests, all.failures(), retries(mesh)));
    lastRequests = requests;
    return b.toString();
  }

  /** One phrase for an endpoint's state, at most 30 characters. */
  static String state(EndpointStatus s, boolean scaled) {
    long left = (s.ejectionRemaining().toMillis() + 999) / 1000;
    if (!s.healthy()) {
      if (!s.ejected()) return "unhealthy";
      return s.ejectionReason() == EjectionReason.DRAINING
          ? "unhealthy, draining"
          : "unhealthy, ejected " + left + "s";
    }
    if (s.ejected()) {
      return s.ejectionReason() == EjectionReason.DRAINING
          ? "draining: ejected " + left + "s"
          : "ejected: " + reason(s.ejectionReason()) + ", " + left + "s";
    }
    int full = s.endpoint().weight() * (scaled ? 10 : 1);
    if (scaled && s.effectiveWeight() < full) {
      return "healthy, slow start " + (100 * s.effectiveWeight() / full) + "%";
    }
    return "healthy";
  }

  private static String reason(EjectionReason r) {
    return switch (r) {
      case CONSECUTIVE_5XX -> "5xx in a row";
      case CONSECUTIVE_GATEWAY_FAILURE -> "gateway errors";
      case DRAINING -> "draining";
    };
  }
}
