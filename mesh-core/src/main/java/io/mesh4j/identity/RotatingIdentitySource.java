package io.mesh4j.identity;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every {@link IdentitySource} does once it has read an identity, whatever it read it from:
 * numbering versions 1, 2, 3... (so TLS key managers can tell them apart and forget old ones),
 * ignoring an update that carries the same material, swapping the current identity before
 * telling the listeners, and keeping the last good identity with the reason when an update
 * cannot be used ({@link #lastError()}, logged once per distinct reason). A source only reads:
 * it calls {@link #publish} with each identity it read and {@link #refuse} when a read failed.
 * Thread-safe.
 */
public abstract class RotatingIdentitySource implements IdentitySource {
  private static final Logger log = LoggerFactory.getLogger(RotatingIdentitySource.class);

  private final String name;
  private final List<Consumer<WorkloadIdentity>> listeners = new CopyOnWriteArrayList<>();
  private volatile WorkloadIdentity current;
  private volatile String lastError;

  protected RotatingIdentitySource(String name) {
    this.name = Objects.requireNonNull(name, "name");
  }

  /**
   * Makes {@code next} the current identity unless it carries the material already served, and
   * clears {@link #lastError()}. The first identity becomes generation 1 without notifying;
   * a later one the next generation, then every listener is called. Returns whether the
   * current identity changed. Callers serialize their calls (one reading thread, or a lock).
   */
  protected final boolean publish(WorkloadIdentity next) {
    Objects.requireNonNull(next, "next");
    lastError = null;
    WorkloadIdentity prev = current;
    if (prev != null && sameMaterial(prev, next)) return false;
    WorkloadIdentity now = next.withGeneration(prev == null ? 1 : prev.generation() + 1);
    current = now;
    if (prev == null) return true;
    log.info("mesh4j: identity source {} rotated to {}", name, now);
    for (Consumer<WorkloadIdentity> l : listeners) {
      try {
        l.accept(now);
      } catch (RuntimeException e) {
        log.warn("mesh4j: identity listener of {} failed", name, e);
      }
    }
    return true;
  }

  /**
   * An update could not be read or used: the current identity stays, {@link #lastError()} says
   * {@code message}, and a warning is logged when the reason differs from the last one.
   */
  protected final void refuse(String message) {
    if (!Objects.equals(message, lastError)) {
      WorkloadIdentity c = current;
      if (c == null) {
        log.warn("mesh4j: identity source {}: {}", name, message);
      } else {
        log.warn("mesh4j: identity source {} keeps {}: {}", name, c, message);
      }
    }
    lastError = message;
  }

  private static boolean sameMaterial(WorkloadIdentity a, WorkloadIdentity b) {
    return a.certificateChain().equals(b.certificateChain())
        && a.trustBundle().equals(b.trustBundle())
        && Arrays.equals(a.privateKey().getEncoded(), b.privateKey().getEncoded());
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final WorkloadIdentity current() {
    return current;
  }

  @Override
  public final AutoCloseable onChange(Consumer<WorkloadIdentity> listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public final String lastError() {
    return lastError;
  }
}
