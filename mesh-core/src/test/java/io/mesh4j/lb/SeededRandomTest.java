package io.mesh4j.lb;

import static io.mesh4j.lb.TestEndpoints.endpoints;
import static io.mesh4j.lb.TestEndpoints.indexOf;
import static io.mesh4j.lb.TestEndpoints.repeat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.LbPolicy;
import io.mesh4j.endpoint.Endpoint;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class SeededRandomTest {

  @Test
  void theSameSeedDrawsTheSameSequenceAndBoundedDrawsAreUniform() {
    SeededRandom a = new SeededRandom(42);
    SeededRandom b = new SeededRandom(42);
    int[] counts = new int[3];
    for (int i = 0; i < 30_000; i++) {
      int x = a.nextInt(3);
      assertThat(b.nextInt(3)).isEqualTo(x);
      counts[x]++;
    }
    for (int c : counts) assertThat(c / 30_000.0).isCloseTo(1 / 3.0, within(0.015));
  }

  @Test
  void concurrentDrawsNeverRepeatAValue() throws Exception {
    // SplitMix64's mix is a bijection of the counter: distinct counters, distinct values.
    SeededRandom r = new SeededRandom(7);
    ConcurrentHashMap<Long, Boolean> seen = new ConcurrentHashMap<>();
    CountDownLatch go = new CountDownLatch(1);
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 20_000; i++) seen.put(r.nextLong(), true);
      });
      threads[t].start();
    }
    go.countDown();
    for (Thread t : threads) t.join(10_000);
    assertThat(seen).hasSize(80_000);
  }

  @Test
  void twoChoicePickersOfASeededFactoryPickReproducibly() {
    for (LbPolicy lb : new LbPolicy[] {LbPolicy.LEAST_REQUEST, LbPolicy.PEAK_EWMA}) {
      ClusterConfig c = new ClusterConfig("c", lb, List.of(), null, null, null, null, null, 50,
          null, null, null, null, null, null);
      List<Endpoint> eps = endpoints(5);
      Picker p1 = Pickers.factory(c, new Random(3), () -> 0L).build(eps, repeat(5, 1));
      Picker p2 = Pickers.factory(c, new Random(3), () -> 0L).build(eps, repeat(5, 1));
      for (int i = 0; i < 1_000; i++) {
        assertThat(indexOf(eps, p1.pick(PickContext.EMPTY)))
            .isEqualTo(indexOf(eps, p2.pick(PickContext.EMPTY)));
      }
    }
  }
}
