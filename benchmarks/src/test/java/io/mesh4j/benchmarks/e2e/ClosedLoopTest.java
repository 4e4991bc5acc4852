package io.mesh4j.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ClosedLoopTest {
  // Generous for a loaded 2-core machine, where a thread may wait tens of milliseconds for a core.
  private static final long WARMUP = TimeUnit.MILLISECONDS.toNanos(500);
  private static final long MEASURE = TimeUnit.MILLISECONDS.toNanos(1500);

  @Test
  void realRequestsAreCountedTimedAndCosted() throws Exception {
    try (BackendServer backends = BackendServer.start(3);
        PlainRoundRobinScenario a = new PlainRoundRobinScenario(backends.ports())) {
      // A cold client's first calls can take seconds on a busy machine: make them before the window.
      Scenario.Exchange warm = a.newExchange();
      for (int i = 0; i < 20; i++) assertThat(warm.run()).isTrue();
      CellResult r = ClosedLoop.run(a, 2, WARMUP, MEASURE);
      assertThat(r.scenario()).isEqualTo("A");
      assertThat(r.concurrency()).isEqualTo(2);
      assertThat(r.errors()).isZero();
      assertThat(r.firstError()).isNull();
      assertThat(r.requests()).isPositive();
      assertThat(r.latency().count()).isEqualTo(r.requests());
      assertThat(r.throughput()).isEqualTo(r.requests() / 1.5);
      assertThat(r.latencyMicros(50)).isPositive().isLessThanOrEqualTo(r.latencyMicros(99));
      assertThat(r.clientCpuNanos()).isPositive();
      assertThat(r.cpuWindowNanos()).isPositive();
      // An OkHttp call allocates kilobytes (request, response, headers); never nothing.
      assertThat(r.allocatedBytesPerRequest()).isGreaterThan(1_000);
      assertThat(r.sidecarCpuNanos()).isEqualTo(-1);
      assertThat(r.sidecarCpuMicrosPerRequest()).isNaN();
    }
  }

  @Test
  void theWindowCountsOnlyRequestsStartedInsideIt() throws InterruptedException {
    AtomicInteger calls = new AtomicInteger();
    Scenario counting = new FakeScenario(() -> {
      calls.incrementAndGet();
      return true;
    });
    CellResult r = ClosedLoop.run(counting, 3, WARMUP, MEASURE);
    assertThat(r.requests()).isPositive().isLessThan(calls.get());
    assertThat(r.errors()).isZero();
  }

  @Test
  void failuresAreCountedAsErrorsWithTheFirstOneKept() throws InterruptedException {
    AtomicInteger calls = new AtomicInteger();
    Scenario failing = new FakeScenario(() -> {
      if (calls.incrementAndGet() % 2 == 0) throw new IOException("refused " + calls.get());
      return false;
    });
    CellResult r = ClosedLoop.run(failing, 1, 0, MEASURE);
    assertThat(r.requests()).isZero();
    assertThat(r.errors()).isPositive();
    assertThat(r.firstError()).isEqualTo("status other than 200");
    assertThat(r.latency().count()).isZero();
    assertThat(r.throughput()).isZero();
    assertThat(r.latencyMicros(99)).isNaN();
  }

  @Test
  void badArgumentsAreRejected() {
    Scenario s = new FakeScenario(() -> true);
    assertThatThrownBy(() -> ClosedLoop.run(s, 0, 0, MEASURE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("concurrency: 0 (expected: >= 1)");
    assertThatThrownBy(() -> ClosedLoop.run(s, 1, 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("warm-up 0 ns, measure 0 ns");
  }

  private record FakeScenario(Scenario.Exchange exchange) implements Scenario {
    @Override
    public String key() {
      return "F";
    }

    @Override
    public String label() {
      return "fake";
    }

    @Override
    public Exchange newExchange() {
      return exchange;
    }

    @Override
    public void close() {}
  }
}
