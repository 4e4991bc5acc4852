package io.mesh4j.identity;

import io.mesh4j.time.Scheduler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An {@link IdentitySource} reading three PEM files: the certificate chain (leaf first), the
 * private key, and the trust bundle. What cert-manager's csi-driver-spiffe, Istio's file mounts, a
 * Vault agent or spiffe-helper write.
 *
 * <p>The files are read when the source is built (a missing, unreadable or inconsistent file fails
 * the build, naming the file) and then polled every {@code refresh} on the injected {@link
 * Scheduler}. Rotation is expected to replace the files atomically (a rename, or Kubernetes'
 * symlink swap of a mounted volume); when the three are read at a moment they do not belong
 * together (a new certificate beside the old key), the new version is refused, the previous one
 * stays in service, {@link #lastError()} says why, and the next poll tries again. So the served
 * identity is always a consistent one. Polling, not a {@code WatchService}: it behaves the same on
 * every file system, including bind mounts and the symlinks of projected volumes, and tests drive
 * it with a fake scheduler.
 *
 * <p>A change is detected by content, not by modification time. Listeners run on the scheduler's
 * thread. Thread-safe.
 *
 * <pre>{@code
 * IdentitySource id = PemFileIdentitySource.builder("workload")
 *     .certChain(Path.of("/var/run/secrets/spiffe/tls.crt"))
 *     .privateKey(Path.of("/var/run/secrets/spiffe/tls.key"))
 *     .trustBundle(Path.of("/var/run/secrets/spiffe/ca.crt"))
 *     .refresh(Duration.ofSeconds(5))
 *     .scheduler(scheduler)
 *     .build();
 * }</pre>
 */
public final class PemFileIdentitySource extends RotatingIdentitySource {
  /** The default poll interval. */
  public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(5);

  private final Path certChain;
  private final Path privateKey;
  private final Path trustBundle;
  private final Duration refresh;
  private final Scheduler scheduler;
  private volatile boolean closed;
  private volatile Scheduler.Cancellable next;
  /** The file contents the current identity (or the last refused attempt) was read from. */
  private byte[][] seen;

  private PemFileIdentitySource(Builder b) {
    super(b.name);
    this.certChain = Objects.requireNonNull(b.certChain, "certChain");
    this.privateKey = Objects.requireNonNull(b.privateKey, "privateKey");
    this.trustBundle = Objects.requireNonNull(b.trustBundle, "trustBundle");
    this.refresh = b.refresh;
    this.scheduler = b.scheduler;
  }

  /** A builder for the source called {@code name}. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  private void start() {
    byte[][] contents;
    try {
      contents = readAll();
    } catch (IOException e) {
      throw new IllegalArgumentException("identity source " + name() + ": " + e.getMessage(), e);
    }
    try {
      publish(parse(contents));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("identity source " + name() + ": " + e.getMessage(), e);
    }
    seen = contents;
    if (scheduler != null) next = scheduler.schedule(this::poll, refresh);
  }

  private byte[][] readAll() throws IOException {
    return new byte[][] {read(certChain, "cert_chain"), read(privateKey, "private_key"),
        read(trustBundle, "trust_bundle")};
  }

  private static byte[] read(Path p, String what) throws IOException {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new IOException(what + ": cannot read " + p + " (" + e.getClass().getSimpleName()
          + ")", e);
    }
  }

  private WorkloadIdentity parse(byte[][] c) {
    List<X509Certificate> chain = KeyMaterial.certificates(text(c[0]), "cert_chain " + certChain);
    PrivateKey key = KeyMaterial.privateKey(text(c[1]), "private_key " + privateKey);
    List<X509Certificate> bundle = KeyMaterial.certificates(text(c[2]), "trust_bundle " + trustBundle);
    return WorkloadIdentity.of(chain, key, bundle);
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.US_ASCII);
  }

  /** Reads the files now and applies a change; what each poll does. Returns whether it changed. */
  public synchronized boolean refreshNow() {
    if (closed) return false;
    byte[][] contents;
    try {
      contents = readAll();
    } catch (IOException e) {
      refuse(e.getMessage());
      return false;
    }
    if (Arrays.deepEquals(contents, seen)) {
      return false;
    }
    WorkloadIdentity next;
    try {
      next = parse(contents);
    } catch (IllegalArgumentException e) {
      refuse(e.getMessage());
      return false; // seen stays: the next poll reads again (a rotation half written)
    }
    seen = contents;
    return publish(next);
  }

  private void poll() {
    if (closed) return;
    try {
      refreshNow();
    } finally {
      if (!closed) next = scheduler.schedule(this::poll, refresh);
    }
  }

  @Override
  public String describe() {
    // The key's path is left out, as /mesh/config masks it.
    return "pem files cert_chain=" + certChain + " trust_bundle=" + trustBundle + " refresh="
        + refresh.toMillis() + "ms";
  }

  @Override
  public void close() {
    closed = true;
    Scheduler.Cancellable n = next;
    if (n != null) n.cancel();
  }

  /** Configures a {@link PemFileIdentitySource}; not thread-safe. */
  public static final class Builder {
    private final String name;
    private Path certChain;
    private Path privateKey;
    private Path trustBundle;
    private Duration refresh = DEFAULT_REFRESH;
    private Scheduler scheduler;

    private Builder(String name) {
      this.name = Objects.requireNonNull(name, "name");
      if (name.isEmpty()) throw new IllegalArgumentException("name: empty");
    }

    /** The PEM certificate chain, leaf first. Required. */
    public Builder certChain(Path file) {
      this.certChain = Objects.requireNonNull(file, "certChain");
      return this;
    }

    /** The PEM private key of the leaf (PKCS#8, PKCS#1 RSA or SEC1 EC). Required. */
    public Builder privateKey(Path file) {
      this.privateKey = Objects.requireNonNull(file, "privateKey");
      return this;
    }

    /** The PEM CA certificates peers must chain to. Required. */
    public Builder trustBundle(Path file) {
      this.trustBundle = Objects.requireNonNull(file, "trustBundle");
      return this;
    }

    /** How often the files are checked for a change (default 5s). */
    public Builder refresh(Duration interval) {
      Objects.requireNonNull(interval, "refresh");
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("refresh: " + interval + " (expected: > 0)");
      }
      this.refresh = interval;
      return this;
    }

    /**
     * The scheduler polls run on; without one the files are read once and only {@link
     * PemFileIdentitySource#refreshNow()} reads them again.
     */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Reads the files and starts polling.
     *
     * @throws IllegalArgumentException naming the source and file when a file is missing,
     *     unreadable, not PEM, or the key does not belong to the certificate
     */
    public PemFileIdentitySource build() {
      if (certChain == null || privateKey == null || trustBundle == null) {
        throw new IllegalArgumentException("identity source " + name + ": cert_chain,"
            + " private_key and trust_bundle are all required");
      }
      PemFileIdentitySource s = new PemFileIdentitySource(this);
      s.start();
      return s;
    }
  }
}
