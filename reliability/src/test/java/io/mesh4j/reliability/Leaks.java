package io.mesh4j.reliability;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import okhttp3.OkHttpClient;

/** Waits with deadlines, and the leak checks run after a reliability run. */
final class Leaks {
  /**
   * OkHttp's one JVM-wide task runner: its threads belong to no client and end by themselves
   * after 60 s idle, so they are not a leak of the client under test.
   */
  static final String OKHTTP_SHARED_RUNNER = "OkHttp TaskRunner";

  /** Okio's one JVM-wide timeout watchdog: likewise shared, and gone after 60 s idle. */
  static final String OKIO_WATCHDOG = "Okio Watchdog";

  private Leaks() {}

  /** Polls {@code condition} until it holds; fails naming {@code what} after {@code timeout}. */
  static void await(String what, Duration timeout, BooleanSupplier condition) {
    await(what, timeout, condition, () -> "");
  }

  /** As {@link #await(String, Duration, BooleanSupplier)}, adding {@code state} to the failure. */
  static void await(String what, Duration timeout, BooleanSupplier condition, Supplier<String> state) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out waiting: " + what + " " + state.get());
      }
      LockSupport.parkNanos(2_000_000L);
    }
  }

  /** The stacks of the live threads whose name starts with {@code prefix}. */
  static String stacks(String prefix) {
    StringBuilder b = new StringBuilder();
    Thread.getAllStackTraces().forEach((t, st) -> {
      if (!t.getName().startsWith(prefix)) return;
      b.append('\n').append(t.getName()).append(' ').append(t.getState());
      for (StackTraceElement e : st) b.append("\n    at ").append(e);
    });
    return b.toString();
  }

  static Set<Thread> liveThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
        .collect(Collectors.toUnmodifiableSet());
  }

  /** Live threads not in {@code before} (OkHttp's and Okio's JVM-wide threads excluded), by name. */
  static List<String> newThreads(Set<Thread> before) {
    return liveThreads().stream()
        .filter(t -> !before.contains(t) && !t.getName().startsWith(OKHTTP_SHARED_RUNNER)
            && !t.getName().equals(OKIO_WATCHDOG))
        .map(Thread::getName).sorted().toList();
  }

  /** Used heap in bytes after repeated full collections. */
  static long heapAfterGc() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  /**
   * Fails unless every connection in {@code client}'s pool goes idle (none held by a leaked
   * response), then evicts them and checks the pool is empty. Returns the count that was pooled.
   */
  static int assertNoLeakedConnections(OkHttpClient client) {
    await("no running calls", Duration.ofSeconds(10),
        () -> client.dispatcher().runningCallsCount() == 0);
    await("every pooled connection idle", Duration.ofSeconds(10),
        () -> client.connectionPool().connectionCount() == client.connectionPool().idleConnectionCount());
    int pooled = client.connectionPool().connectionCount();
    client.connectionPool().evictAll();
    if (client.connectionPool().connectionCount() != 0) {
      throw new AssertionError("connections left after evictAll: " + client.connectionPool().connectionCount());
    }
    return pooled;
  }
}
