package io.mesh4j.time;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A fake {@link Ticker} and {@link Scheduler} for tests: time stands still until {@link
 * #advance(Duration)} moves it, running every task that falls due, in time order, on the calling
 * thread. Thread-safe.
 */
public final class FakeTime implements Ticker, Scheduler {
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
      synchronized (FakeTime.this) {
        queue.remove(t);
      }
    };
  }

  /** Moves time forward, running due tasks (including ones they schedule) in order. */
  public void advance(Duration d) {
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

  /** Runs tasks already due without moving time. */
  public void runDue() {
    advance(Duration.ZERO);
  }

  /** How many tasks are waiting. */
  public synchronized int pendingTasks() {
    return queue.size();
  }

  /** The due times (relative to now) of the waiting tasks, soonest first. */
  public synchronized List<Duration> pendingDelays() {
    List<Duration> out = new ArrayList<>();
    queue.stream().sorted().forEach(t -> out.add(Duration.ofNanos(t.due - now)));
    return out;
  }

  private record Task(long due, long seq, Runnable run) implements Comparable<Task> {
    @Override
    public int compareTo(Task o) {
      int c = Long.compare(due, o.due);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }
}
