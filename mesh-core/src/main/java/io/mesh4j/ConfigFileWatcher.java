package io.mesh4j;

import io.mesh4j.time.Scheduler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Polls a config file on the mesh's scheduler and hands its content to a reload callback when it
 * changed and then stayed unchanged for one more poll (the debounce: an editor writing a file in
 * several steps triggers one reload, with the final content).
 *
 * <p>Polling rather than a {@code WatchService}: it works the same on every file system
 * (including bind mounts and Kubernetes ConfigMap symlink swaps), needs no thread of its own and
 * is driven by the injected scheduler, so tests advance a fake clock instead of sleeping.
 * Thread-safe; callbacks run on the scheduler thread.
 */
final class ConfigFileWatcher implements AutoCloseable {
  private final Path path;
  private final Duration interval;
  private final Scheduler scheduler;
  private final Consumer<byte[]> onChange;
  private final Consumer<IOException> onReadFailure;

  private byte[] appliedDigest;
  private byte[] pendingDigest;
  private volatile boolean closed;
  private volatile Scheduler.Cancellable next;

  ConfigFileWatcher(
      Path path,
      byte[] initialContent,
      Duration interval,
      Scheduler scheduler,
      Consumer<byte[]> onChange,
      Consumer<IOException> onReadFailure) {
    this.path = path;
    this.interval = interval;
    this.scheduler = scheduler;
    this.onChange = onChange;
    this.onReadFailure = onReadFailure;
    this.appliedDigest = digest(initialContent);
  }

  void start() {
    next = scheduler.schedule(this::poll, interval);
  }

  private synchronized void poll() {
    if (closed) return;
    try {
      byte[] content;
      try {
        content = Files.readAllBytes(path);
      } catch (IOException e) {
        pendingDigest = null;
        onReadFailure.accept(e);
        return;
      }
      byte[] d = digest(content);
      if (Arrays.equals(d, appliedDigest)) {
        pendingDigest = null;
      } else if (Arrays.equals(d, pendingDigest)) {
        // Changed, and stable for one interval: apply.
        appliedDigest = d;
        pendingDigest = null;
        onChange.accept(content);
      } else {
        pendingDigest = d;
      }
    } finally {
      if (!closed) next = scheduler.schedule(this::poll, interval);
    }
  }

  private static byte[] digest(byte[] content) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(content);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("SHA-256 is required of every JVM", e);
    }
  }

  @Override
  public void close() {
    closed = true;
    Scheduler.Cancellable n = next;
    if (n != null) n.cancel();
  }
}
