package io.mesh4j.okhttp;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import okio.AsyncTimeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one early deadline in okio's timeout queue while mesh4j makes attempts, so that the
 * deadlines of an attempt (its call timeout, and the read and write timeouts of its socket) do not
 * become the head of that queue and do not wake okio's watchdog thread.
 *
 * <p>Why: every attempt's OkHttp {@code Call.timeout()} is the time left before the request's
 * overall deadline (15 s by default), and OkHttp times every socket read and write. OkHttp enforces
 * both with okio's {@link AsyncTimeout}: one queue ordered by deadline, under one lock, and one
 * watchdog thread that sleeps until the head's deadline. A timeout that becomes the head signals
 * the watchdog, which costs a thread wake-up. With one call in flight nearly every read, write and
 * call timeout is the earliest deadline when it enters: about four wake-ups per mesh request, some
 * 30 µs of client CPU per request on loopback (docs/benchmarks.md). With this sentinel in the queue, due every {@value
 * #PERIOD_MILLIS} ms, a later deadline goes behind it without a signal. The watchdog wakes once per
 * period instead, and every OkHttp client of the process gets the same while it is armed.
 *
 * <p>Deadlines behave as before: this adds an entry to the queue and changes no other timeout. A
 * call timeout shorter than the sentinel's time left still becomes the head and signals, as it
 * would without it. The sentinel stays armed while attempts are made. One period with no attempt
 * and it leaves the queue, so an idle process keeps no extra watchdog wake-ups (okio's watchdog
 * thread then ends after its own idle minute). An okio that refuses the sentinel (it throws from
 * {@code enter()}) turns it off for good with one warning; attempts go on as without it.
 * Thread-safe; one instance per class loader.
 */
final class WatchdogSentinel extends AsyncTimeout {
  private static final Logger log = LoggerFactory.getLogger(WatchdogSentinel.class);
  /** How often the armed sentinel comes due. */
  static final long PERIOD_MILLIS = 1_000;

  private static final WatchdogSentinel INSTANCE =
      new WatchdogSentinel(TimeUnit.MILLISECONDS.toNanos(PERIOD_MILLIS));

  private final AtomicBoolean armed = new AtomicBoolean();
  /** An attempt was made since the sentinel last came due. */
  private volatile boolean used;
  /** Times it came due (written by okio's watchdog thread only). */
  private volatile int dues;

  WatchdogSentinel(long periodNanos) {
    timeout(periodNanos, TimeUnit.NANOSECONDS);
  }

  /** Before an attempt sets its call timeout: arms the shared sentinel if it is not armed. */
  static void beforeCallTimeout() {
    INSTANCE.touch();
  }

  /** An attempt is about to set its call timeout. */
  void touch() {
    if (!used) used = true; // a read in the common case: no write to a shared line per attempt
    if (!armed.get() && armed.compareAndSet(false, true)) queue();
  }

  /** Enters okio's queue; on a refusal stays "armed" for good, so nothing enters it again. */
  private void queue() {
    try {
      enter();
    } catch (RuntimeException e) {
      log.warn("mesh4j: okio refused the watchdog sentinel; attempts go on without it", e);
    }
  }

  /** Whether the sentinel is in okio's queue (or about to be). */
  boolean armed() {
    return armed.get();
  }

  /** How many times it came due. */
  int dues() {
    return dues;
  }

  /** Due, on okio's watchdog thread (outside okio's lock): again if used since, else disarm. */
  @Override
  protected void timedOut() {
    dues++; // one writer
    exit(); // back to idle; the watchdog already took it off the queue
    if (used) {
      used = false;
      queue();
      return;
    }
    armed.set(false);
    // An attempt that saw `armed` true just before it was cleared did not arm it: do it for that one.
    if (used && armed.compareAndSet(false, true)) queue();
  }

  @Override
  public String toString() {
    return "WatchdogSentinel{armed=" + armed.get() + "}";
  }
}
