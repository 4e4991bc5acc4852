package io.mesh4j.benchmarks.e2e;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;

/**
 * Closed-loop load: {@code concurrency} platform threads, each sending its next request as soon as
 * the previous response was read, for a warm-up and then a measured window.
 *
 * <p>A request belongs to the window in which it started. Throughput counts successful requests
 * started in the measured window divided by its length; latency is the time from sending to the
 * end of the body, recorded per thread into a preallocated {@link LatencyHistogram}. Client CPU is
 * the whole client process's CPU time over the window (load threads, OkHttp's and the mesh's
 * background threads, GC, JIT), read from {@link com.sun.management.OperatingSystemMXBean}.
 * Allocation is the bytes allocated by the load threads themselves over the window ({@link
 * com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes()}; JDK 17 has no process-wide
 * total), which is where OkHttp's synchronous calls and the mesh's interceptor run.
 */
final class ClosedLoop {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private ClosedLoop() {}

  /**
   * Runs one cell and blocks until every load thread finished its last request.
   *
   * @throws IllegalArgumentException when {@code concurrency < 1} or a window is not positive
   * @throws IllegalStateException when per-thread allocation accounting is unavailable
   */
  static CellResult run(Scenario scenario, int concurrency, long warmupNanos, long measureNanos)
      throws InterruptedException {
    return run(scenario, concurrency, warmupNanos, measureNanos, () -> new double[0], new double[0]);
  }

  /**
   * As {@link #run(Scenario, int, long, long)}, also reading {@code counters} (counts the scenario
   * keeps, e.g. hedges sent, attempts per endpoint) at the two edges of the measured window, as
   * the CPU time is read: {@code counted[i]} gets the difference of count {@code i}, the count
   * over the same window as the requests.
   */
  static CellResult run(Scenario scenario, int concurrency, long warmupNanos, long measureNanos,
      java.util.function.Supplier<double[]> counters, double[] counted) throws InterruptedException {
    if (concurrency < 1) throw new IllegalArgumentException("concurrency: " + concurrency + " (expected: >= 1)");
    if (warmupNanos < 0 || measureNanos <= 0) {
      throw new IllegalArgumentException("warm-up " + warmupNanos + " ns, measure " + measureNanos + " ns");
    }
    if (!THREADS.isThreadAllocatedMemorySupported() || !THREADS.isThreadAllocatedMemoryEnabled()) {
      throw new IllegalStateException("this JVM does not count per-thread allocation");
    }
    Worker[] workers = new Worker[concurrency];
    Thread[] threads = new Thread[concurrency];
    CountDownLatch ready = new CountDownLatch(concurrency);
    CountDownLatch go = new CountDownLatch(1);
    Window window = new Window();
    for (int i = 0; i < concurrency; i++) {
      workers[i] = new Worker(scenario.newExchange(), window, ready, go);
      threads[i] = new Thread(workers[i], "load-" + scenario.key() + "-" + concurrency + "-" + i);
      threads[i].setDaemon(true);
      threads[i].start();
    }
    ready.await();
    long start = System.nanoTime();
    window.measureStart = start + warmupNanos;
    window.measureEnd = window.measureStart + measureNanos;
    go.countDown();

    parkUntil(window.measureStart);
    long cpu0 = OS.getProcessCpuTime();
    double[] count0 = counters.get();
    long sidecar0 = scenario.sidecarCpuNanos();
    long actualStart = System.nanoTime();
    parkUntil(window.measureEnd);
    long cpu1 = OS.getProcessCpuTime();
    double[] count1 = counters.get();
    for (int i = 0; i < counted.length; i++) counted[i] = count1[i] - count0[i];
    long sidecar1 = scenario.sidecarCpuNanos();
    long actualEnd = System.nanoTime();
    for (Thread t : threads) t.join();

    LatencyHistogram latency = new LatencyHistogram();
    long ok = 0;
    long errors = 0;
    long allocated = 0;
    String firstError = null;
    for (Worker w : workers) {
      latency.add(w.latency);
      ok += w.ok;
      errors += w.errors;
      allocated += w.allocated;
      if (firstError == null) firstError = w.firstError;
    }
    long sidecarCpu = sidecar0 < 0 ? -1 : sidecar1 - sidecar0;
    return new CellResult(
        scenario.key(), concurrency, ok, errors, firstError, measureNanos, latency,
        cpu1 - cpu0, actualEnd - actualStart, allocated, sidecarCpu);
  }

  private static void parkUntil(long deadline) {
    for (long left; (left = deadline - System.nanoTime()) > 0; ) LockSupport.parkNanos(left);
  }

  /** Set before the workers are released (the latch publishes them). */
  private static final class Window {
    long measureStart;
    long measureEnd;
  }

  private static final class Worker implements Runnable {
    private final Scenario.Exchange exchange;
    private final Window window;
    private final CountDownLatch ready;
    private final CountDownLatch go;
    final LatencyHistogram latency = new LatencyHistogram();
    long ok;
    long errors;
    long allocated;
    String firstError;

    Worker(Scenario.Exchange exchange, Window window, CountDownLatch ready, CountDownLatch go) {
      this.exchange = exchange;
      this.window = window;
      this.ready = ready;
      this.go = go;
    }

    @Override
    public void run() {
      ready.countDown();
      try {
        go.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      long measureStart = window.measureStart;
      long measureEnd = window.measureEnd;
      while (System.nanoTime() - measureStart < 0) {
        attempt();
      }
      long allocated0 = THREADS.getCurrentThreadAllocatedBytes();
      for (long sent; (sent = System.nanoTime()) - measureEnd < 0; ) {
        if (attempt()) {
          latency.record(System.nanoTime() - sent);
          ok++;
        } else {
          errors++;
        }
      }
      allocated = THREADS.getCurrentThreadAllocatedBytes() - allocated0;
    }

    private boolean attempt() {
      try {
        if (exchange.run()) return true;
        if (firstError == null) firstError = "status other than 200";
        return false;
      } catch (Exception e) {
        if (firstError == null) firstError = e.toString();
        return false;
      }
    }
  }
}
