package io.mesh4j.cluster;

import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.EndpointConfig;
import io.mesh4j.config.HealthCheckConfig;
import io.mesh4j.config.OutlierDetectionConfig;
import io.mesh4j.config.StatusRange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/** Builders for the configs cluster tests need. */
final class Fixtures {
  private Fixtures() {}

  /** A random source whose doubles are always 0.5: no jitter, first check at half an interval. */
  static final RandomGenerator NO_JITTER =
      new RandomGenerator() {
        @Override
        public long nextLong() {
          return 0;
        }

        @Override
        public double nextDouble() {
          return 0.5;
        }
      };

  static EndpointConfig ep(String address) {
    return ep(address, 1);
  }

  static EndpointConfig ep(String address, int weight) {
    int colon = address.lastIndexOf(':');
    String host = address.substring(0, colon);
    if (host.startsWith("[")) host = host.substring(1, host.length() - 1);
    return new EndpointConfig(host, Integer.parseInt(address.substring(colon + 1)), weight, null);
  }

  /** Endpoints 10.0.0.1:80 .. 10.0.0.n:80, weight 1. */
  static List<EndpointConfig> eps(int n) {
    List<EndpointConfig> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) out.add(ep("10.0.0." + i + ":80"));
    return out;
  }

  static HealthCheckConfig hc(Duration interval, int unhealthy, int healthy) {
    return new HealthCheckConfig(
        "fake", "/health", interval, Duration.ofSeconds(1), unhealthy, healthy, List.of(StatusRange.SUCCESS));
  }

  static OutlierDetectionConfig od(int consecutive5xx, int maxPercent) {
    return new OutlierDetectionConfig(
        consecutive5xx, 0, Duration.ofSeconds(30), maxPercent, Duration.ofSeconds(300), true);
  }

  static Cfg cluster(String name) {
    return new Cfg(name);
  }

  /** A mutable ClusterConfig builder for tests. */
  static final class Cfg {
    final String name;
    List<EndpointConfig> endpoints = List.of();
    HealthCheckConfig healthCheck;
    OutlierDetectionConfig outlier;
    int panic = 0;
    Duration slowStart = Duration.ZERO;

    Cfg(String name) {
      this.name = name;
    }

    Cfg endpoints(List<EndpointConfig> e) {
      endpoints = e;
      return this;
    }

    Cfg endpoints(EndpointConfig... e) {
      endpoints = List.of(e);
      return this;
    }

    Cfg healthCheck(HealthCheckConfig h) {
      healthCheck = h;
      return this;
    }

    Cfg outlier(OutlierDetectionConfig o) {
      outlier = o;
      return this;
    }

    Cfg panic(int p) {
      panic = p;
      return this;
    }

    Cfg slowStart(Duration d) {
      slowStart = d;
      return this;
    }

    ClusterConfig build() {
      return new ClusterConfig(
          name, null, endpoints, healthCheck, outlier, null, null, null, panic, slowStart, null, null, null, null, null);
    }
  }
}
