package io.mesh4j.lb;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A shared pick counter on a cache line of its own. Every picker of every cluster increments its
 * own counter on every pick; padding keeps two counters (or a counter and the picker's read-only
 * fields) from sharing a cache line, so clusters do not slow each other down through false
 * sharing. Superclass fields are laid out before subclass fields, which is what makes the padding
 * hold.
 */
abstract class SequenceLeftPadding {
  long p01, p02, p03, p04, p05, p06, p07;
}

/** The counter value, between the paddings. */
abstract class SequenceValue extends SequenceLeftPadding {
  volatile long value;
}

/** Thread-safe, lock-free: one {@code getAndAdd} per call. */
final class PaddedSequence extends SequenceValue {
  private static final VarHandle VALUE;

  static {
    try {
      VALUE = MethodHandles.lookup().findVarHandle(SequenceValue.class, "value", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  long p11, p12, p13, p14, p15, p16, p17;

  PaddedSequence(long initial) {
    value = initial;
  }

  /** Returns the current value and advances it by one; wraps from {@code Long.MAX_VALUE}. */
  long getAndIncrement() {
    return (long) VALUE.getAndAdd(this, 1L);
  }
}
