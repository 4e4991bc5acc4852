package io.mesh4j.cluster;

import io.mesh4j.internal.cluster.ClusterRegistry;
import static io.mesh4j.cluster.Fixtures.cluster;
import static io.mesh4j.cluster.Fixtures.ep;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.HealthCheckConfig;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.health.HealthProbes;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.time.SystemScheduler;
import io.mesh4j.time.Ticker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** With the real scheduler, TCP probe and DNS lookup threads: closing stops every one of them. */
class ClusterRegistryThreadsTest {

  private static Set<Thread> mesh4jThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("mesh4j-"))
        .collect(Collectors.toSet());
  }

  private static void awaitUntil(BooleanSupplier condition, Duration deadline) {
    long end = System.nanoTime() + deadline.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - end > 0) throw new AssertionError("condition not met within " + deadline);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  @Test
  void closingTheRegistryItsProbesAndTheSchedulerLeavesNoMesh4jThreadBehind() throws Exception {
    Set<Thread> before = mesh4jThreads();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (ServerSocket server = new ServerSocket()) {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      SystemScheduler scheduler = new SystemScheduler("threads-test");
      HealthProbes probes = HealthProbes.builder().build();
      ClusterRegistry registry =
          ClusterRegistry.builder()
              .scheduler(scheduler)
              .ticker(Ticker.system())
              .pickerFactories(c -> new RecordingPickerFactory())
              .healthProbes(probes)
              .meterRegistry(meters)
              .dnsResolver(
                  host -> {
                    if (!host.equals("svc.test")) throw new UnknownHostException(host);
                    return new InetAddress[] {InetAddress.getByName("127.0.0.1")};
                  })
              .build();
      HealthCheckConfig tcp =
          new HealthCheckConfig("tcp", null, Duration.ofMillis(50), Duration.ofMillis(500), 3, 2, null);

      registry.apply(List.of(cluster("inv").endpoints(ep("svc.test:" + server.getLocalPort())).healthCheck(tcp).build()));
      Cluster c = registry.cluster("inv");
      awaitUntil(
          () ->
              c.endpoints().stream().map(Endpoint::address).toList().equals(List.of("127.0.0.1:" + server.getLocalPort()))
                  && meters.get(MeshMetricNames.HEALTH_CHECKS).tag("result", "success").counter().count() >= 3,
          Duration.ofSeconds(10));
      Set<String> started =
          mesh4jThreads().stream().filter(t -> !before.contains(t)).map(Thread::getName).collect(Collectors.toSet());
      assertThat(started).anyMatch(n -> n.startsWith("mesh4j-threads-test-"));
      assertThat(started).anyMatch(n -> n.startsWith("mesh4j-tcp-probe-"));
      assertThat(started).anyMatch(n -> n.startsWith("mesh4j-dns-"));

      registry.close();
      probes.close();
      scheduler.close();

      awaitUntil(() -> before.containsAll(mesh4jThreads()), Duration.ofSeconds(10));
      assertThat(meters.getMeters()).isEmpty();
    }
  }
}
