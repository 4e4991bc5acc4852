package io.mesh4j.cli;

import io.mesh4j.time.Scheduler;
import io.mesh4j.time.Ticker;
import java.time.Duration;
import java.util.PriorityQueue;

/**
 * Simulated time for {@code mesh4j simulate}: nothing runs until {@link #advance} moves the clock,
 * then due tasks run in order on the calling thread. Single-threaded use only.
 */
final class ManualScheduler implements Scheduler, Ticker {
  private final PriorityQueue<Task> queue = new PriorityQueue<>();
  private long now;
  private long seq;

  @Override
  public long read() {
    return now;
  }

  @Override
  public Cancellable schedule(Runnable task, Duration delay) {
    Task t = new Task(now + Math.max(0, delay.toNanos()), seq++, task);
    queue.add(t);
    return () -> queue.remove(t);
  }

  void advance(Duration d) {
    long target = now + d.toNanos();
    Task next;
    while ((next = queue.peek()) != null && next.due <= target) {
      queue.poll();
      now = Math.max(now, next.due);
      next.run.run();
    }
    now = target;
  }

  private record Task(long due, long seq, Runnable run) implements Comparable<Task> {
    @Override
    public int compareTo(Task o) {
      int c = Long.compare(due, o.due);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }
}
