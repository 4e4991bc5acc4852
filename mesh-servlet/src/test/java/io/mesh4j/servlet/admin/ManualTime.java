package io.mesh4j.servlet.admin;

import io.mesh4j.time.Scheduler;
import io.mesh4j.time.Ticker;
import java.time.Duration;
import java.util.PriorityQueue;

/**
 * A ticker and scheduler that stand still until {@link #advance} moves them, running due tasks on
 * the calling thread. (mesh-core's FakeTime is not on this module's test classpath.) Thread-safe.
 */
final class ManualTime implements Ticker, Scheduler {
  private final PriorityQueue<Task> queue = new PriorityQueue<>();
  private long now = 1_000_000_000L;
  private long seq;

  @Override
  public synchronized long read() {
    return now;
  }

  @Override
  public synchronized Cancellable schedule(Runnable task, Duration delay) {
    Task t = new Task(now + Math.max(0, delay.toNanos()), seq++, task);
    queue.add(t);
    return () -> {
      synchronized (ManualTime.this) {
        queue.remove(t);
      }
    };
  }

  /** Moves time forward, running every task that falls due, in order. */
  void advance(Duration d) {
    long target;
    synchronized (this) {
      target = now + d.toNanos();
    }
    while (true) {
      Task next;
      synchronized (this) {
        next = queue.peek();
        if (next == null || next.due > target) {
          now = target;
          return;
        }
        queue.poll();
        now = Math.max(now, next.due);
      }
      next.run.run();
    }
  }

  private record Task(long due, long seq, Runnable run) implements Comparable<Task> {
    @Override
    public int compareTo(Task o) {
      int c = Long.compare(due, o.due);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }
}
