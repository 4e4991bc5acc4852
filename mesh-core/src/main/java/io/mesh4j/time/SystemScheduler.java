package io.mesh4j.time;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real {@link Scheduler}: one daemon thread per instance, named after its owner. {@link
 * #close()} stops it and waits briefly for a running task, so no thread outlives its mesh.
 */
public final class SystemScheduler implements Scheduler, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SystemScheduler.class);
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final ScheduledThreadPoolExecutor executor;

  /** A scheduler whose thread is named {@code mesh4j-<name>-<n>}. */
  public SystemScheduler(String name) {
    String threadName = "mesh4j-" + name + "-" + INSTANCES.incrementAndGet();
    this.executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, threadName);
              t.setDaemon(true);
              return t;
            });
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  @Override
  public Cancellable schedule(Runnable task, Duration delay) {
    if (executor.isShutdown()) return () -> {};
    Runnable guarded =
        () -> {
          try {
            task.run();
          } catch (Throwable t) {
            log.warn("mesh4j scheduled task failed", t);
          }
        };
    ScheduledFuture<?> f;
    try {
      f = executor.schedule(guarded, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return () -> {};
    }
    return () -> f.cancel(false);
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return executor.isShutdown();
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
