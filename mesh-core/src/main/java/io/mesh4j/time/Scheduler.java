package io.mesh4j.time;

import java.time.Duration;

/**
 * Runs tasks after a delay, injected wherever mesh4j schedules work (health checks, ejection
 * returns, reload debouncing) so tests can run due tasks by advancing a fake clock.
 *
 * <p>Tasks must be short and must not block; a task that throws is logged and does not stop
 * later tasks. Thread-safe.
 */
public interface Scheduler {

  /** Runs {@code task} once after {@code delay} (zero or negative: as soon as possible). */
  Cancellable schedule(Runnable task, Duration delay);

  /** A scheduled task that can be cancelled. */
  interface Cancellable {
    /** Cancels the task if it has not started; idempotent. */
    void cancel();
  }
}
