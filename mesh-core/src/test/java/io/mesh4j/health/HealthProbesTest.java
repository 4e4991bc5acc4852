package io.mesh4j.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.config.HealthCheckConfig;
import io.mesh4j.config.StatusRange;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HealthProbesTest {
  private static final HealthProbe NOOP = (e, c) -> CompletableFuture.completedFuture(ProbeResult.healthy());

  @Test
  void tcpIsBuiltInAndOtherProbesAreAddedByName() {
    try (HealthProbes probes = HealthProbes.builder().add("http", NOOP).build()) {
      assertThat(probes.names()).containsExactly("tcp", "http");
      assertThat(probes.get("tcp")).isInstanceOf(TcpHealthProbe.class);
      assertThat(probes.get("http")).isSameAs(NOOP);
      assertThat(probes.get("grpc")).isNull();
    }
  }

  @Test
  void theBuiltInTcpProbeMayBeReplacedOnce() {
    HealthProbe other = (e, c) -> CompletableFuture.completedFuture(ProbeResult.unhealthy("no"));
    HealthProbes.Builder b = HealthProbes.builder().add("tcp", NOOP);

    assertThat(b.build().get("tcp")).isSameAs(NOOP);
    assertThatThrownBy(() -> b.add("tcp", other))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name: tcp (expected: not yet registered)");
  }

  @Test
  void aNameMayBeRegisteredOnlyOnce() {
    HealthProbes.Builder b = HealthProbes.builder().add("http", NOOP);

    assertThatThrownBy(() -> b.add("http", NOOP))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name: http (expected: not yet registered)");
    assertThatThrownBy(() -> b.add("", NOOP))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name: \"\" (expected: a probe name)");
    assertThatThrownBy(() -> b.add("x", null)).isInstanceOf(NullPointerException.class).hasMessage("probe");
  }

  @Test
  void closeClosesEveryCloseableProbe() {
    AtomicInteger closed = new AtomicInteger();
    class Closeable implements HealthProbe, AutoCloseable {
      @Override
      public CompletableFuture<ProbeResult> probe(io.mesh4j.endpoint.Endpoint e, HealthCheckConfig c) {
        return CompletableFuture.completedFuture(ProbeResult.healthy());
      }

      @Override
      public void close() {
        closed.incrementAndGet();
        throw new IllegalStateException("close failed"); // logged, not thrown
      }
    }
    HealthProbes probes = HealthProbes.builder().add("a", new Closeable()).add("b", new Closeable()).build();

    probes.close();

    assertThat(closed).hasValue(2);
  }

  @Test
  void aStatusResultPassesWhenTheStatusIsExpected() {
    HealthCheckConfig check =
        new HealthCheckConfig("http", null, Duration.ofSeconds(5), null, 3, 2, List.of(new StatusRange(200, 200), new StatusRange(204, 204)));

    assertThat(ProbeResult.status(200).passes(check)).isTrue();
    assertThat(ProbeResult.status(204).passes(check)).isTrue();
    assertThat(ProbeResult.status(201).passes(check)).isFalse();
    assertThat(ProbeResult.status(503).httpStatus()).isEqualTo(503);
    assertThat(ProbeResult.healthy().passes(check)).isTrue();
    assertThat(ProbeResult.unhealthy("refused").passes(check)).isFalse();
    assertThat(ProbeResult.unhealthy("refused").detail()).isEqualTo("refused");
  }

  @Test
  void aStatusOutsideHttpsRangeIsRejected() {
    assertThatThrownBy(() -> ProbeResult.status(99))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("status: 99 (expected: 100-599)");
    assertThatThrownBy(() -> ProbeResult.status(600)).isInstanceOf(IllegalArgumentException.class);
  }
}
