package io.mesh4j.cluster;

import io.mesh4j.internal.EndpointInternals;
import static io.mesh4j.cluster.Fixtures.cluster;
import static io.mesh4j.cluster.Fixtures.eps;
import static io.mesh4j.cluster.Fixtures.hc;
import static io.mesh4j.cluster.Fixtures.od;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.lb.PickContext;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Picks and outcome reports allocate nothing once warm (measured with the thread's allocation counter). */
class ClusterHotPathAllocationTest {
  private static final int ROUNDS = 200_000;

  private final Harness h = new Harness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void pickingAndReportingAllocateNothing() {
    var mx = ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(mx instanceof com.sun.management.ThreadMXBean);
    var threads = (com.sun.management.ThreadMXBean) mx;
    Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
    Cluster c =
        h.apply(cluster("inv").endpoints(eps(4)).outlier(od(5, 50)).healthCheck(hc(Duration.ofSeconds(5), 3, 2)).build());
    long id = Thread.currentThread().getId();

    run(c); // warm up: JIT, LongAdder cells
    run(c);
    long before = threads.getThreadAllocatedBytes(id);
    run(c);
    long allocated = threads.getThreadAllocatedBytes(id) - before;

    assertThat(allocated).as("bytes allocated by %s picks and reports", ROUNDS).isLessThan(1_024);
  }

  private static void run(Cluster c) {
    for (int i = 0; i < ROUNDS; i++) {
      Endpoint e = c.pick(PickContext.EMPTY).endpoint();
      EndpointInternals.requestStarted(e);
      c.onOutcome(e, (i & 7) == 0 ? 404 : 200, Failure.NONE, 1_000);
      EndpointInternals.requestFinished(e);
    }
  }
}
