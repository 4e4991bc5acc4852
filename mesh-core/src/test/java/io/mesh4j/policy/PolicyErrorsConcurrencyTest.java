package io.mesh4j.policy;

import io.mesh4j.internal.policy.PolicyInternals;
import io.mesh4j.internal.policy.PolicyRun;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.RouteTable;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Many threads failing one shared policy at once: every failure counted, one log line. */
class PolicyErrorsConcurrencyTest {
  static final int THREADS = 8;
  static final int PER_THREAD = 2_000;

  @Test
  void concurrentFailuresAreAllCountedAndLoggedOnceInTheInterval() throws Exception {
    FakeTime time = new FakeTime();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    List<String> logged = new CopyOnWriteArrayList<>();
    RequestPolicy failing = e -> {
      e.setHeader("x-partial", "1");
      throw new IllegalStateException("down");
    };
    CompiledPolicy p = new CompiledPolicy("shared", failing, registry, time, (m, e) -> logged.add(m));
    PolicyChain chain = PolicyChain.of(RouteTable.Direction.INBOUND, List.of(p), time);
    RequestView view = new RequestView() {
      @Override public String method() { return "GET"; }
      @Override public String scheme() { return "http"; }
      @Override public String authority() { return "a"; }
      @Override public String path() { return "/"; }
      @Override public String query() { return null; }
      @Override public String header(String name) { return null; }
      @Override public String sourceAddress() { return null; }
    };
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(THREADS);
    List<Throwable> problems = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      Thread th = new Thread(() -> {
        try {
          go.await();
          for (int i = 0; i < PER_THREAD; i++) {
            PolicyRun run = PolicyInternals.start(chain, view, "v", "r", null, time.read());
            if (!run.onRequest().isContinue() || run.headerEditCount() != 0) {
              throw new AssertionError("a fail-open failure must continue without edits");
            }
            run.complete(200, null);
          }
        } catch (Throwable e) {
          problems.add(e);
        } finally {
          done.countDown();
        }
      });
      th.start();
      threads.add(th);
    }
    go.countDown();
    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    for (Thread th : threads) th.join();
    assertThat(problems).isEmpty();
    assertThat(registry.find(MeshMetricNames.POLICY_ERRORS).tag(MeshMetricNames.TAG_SIDE, "inbound")
        .tag(MeshMetricNames.TAG_PHASE, "request").counter().count())
        .isEqualTo((double) THREADS * PER_THREAD);
    assertThat(logged).hasSize(1);
  }
}
