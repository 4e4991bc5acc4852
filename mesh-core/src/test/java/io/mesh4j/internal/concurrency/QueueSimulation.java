package io.mesh4j.internal.concurrency;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Random;

/**
 * A discrete-event model of a service behind an {@link AdaptiveLimiter}: {@code workers} that take
 * requests in arrival order, each busy for {@code service} (plus a little seeded jitter), offered
 * requests at a fixed rate (open loop). Simulated time only: no thread, no clock, no sleep, the
 * same result on every run. It reproduces what {@code OverloadMain} measures on real Jetty (the old
 * {@code vegas} at 2x: admitted p50 69 ms and p99 105 ms here, 69 ms and 95 ms measured).
 */
final class QueueSimulation {
  private static final long STEP = 100_000; // 0.1 ms
  private static final long MS = 1_000_000;

  record Result(double goodputPerSecond, double capacityPerSecond, double p50Millis,
      double p99Millis, int highestLimit) {}

  static Result run(LimitAlgorithm algorithm, int workers, long serviceMillis, double load,
      long seed) {
    AdaptiveLimiter limiter = new AdaptiveLimiter(algorithm);
    Random random = new Random(seed);
    long service = serviceMillis * MS;
    long interval = Math.max(STEP, (long) (service / workers / load) / STEP * STEP);
    long warmup = 5_000 * MS;
    long end = 25_000 * MS;
    ArrayDeque<Long> queue = new ArrayDeque<>();
    long[] busyUntil = new long[workers];
    long[] arrivedAt = new long[workers];
    Arrays.fill(busyUntil, -1);
    long[] latencies = new long[(int) ((end - warmup) / interval) + 1];
    int ok = 0;
    int highest = 0;
    for (long t = 0; t < end; t += STEP) {
      for (int w = 0; w < workers; w++) {
        if (busyUntil[w] >= 0 && busyUntil[w] <= t) {
          long rtt = t - arrivedAt[w];
          limiter.onSuccess(rtt);
          if (arrivedAt[w] >= warmup) latencies[ok++] = rtt;
          busyUntil[w] = -1;
        }
      }
      if (t % interval == 0 && limiter.tryAcquire()) queue.add(t);
      for (int w = 0; w < workers; w++) {
        if (busyUntil[w] < 0 && !queue.isEmpty()) {
          arrivedAt[w] = queue.poll();
          long jitter = (long) Math.abs(random.nextGaussian() * 0.3 * MS);
          busyUntil[w] = t + service + 2 * STEP + jitter;
        }
      }
      if (t >= warmup) highest = Math.max(highest, limiter.limit());
    }
    long[] sorted = Arrays.copyOf(latencies, ok);
    Arrays.sort(sorted);
    double seconds = (end - warmup) / 1e9;
    return new Result(ok / seconds, workers * 1e3 / serviceMillis,
        sorted[ok / 2] / 1e6, sorted[(int) (ok * 0.99)] / 1e6, highest);
  }

  private QueueSimulation() {}
}
