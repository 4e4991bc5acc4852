package io.mesh4j.identity;

import java.util.List;
import java.util.function.Consumer;

/**
 * A test identity source that serves one identity for ever (a leaf for a SPIFFE ID, signed by a
 * {@link TestPki} CA), never rotates, and records whether it was closed: what a source registered
 * in code, or made by a provider, looks like to the mesh. Shared by the test jar.
 */
public class FixedIdentitySource implements IdentitySource {
  private final String name;
  private final WorkloadIdentity identity;
  private volatile boolean closed;

  /** A source called {@code name} serving a fresh leaf for {@code spiffeId} signed by {@code ca}. */
  public FixedIdentitySource(String name, TestPki.Held ca, String spiffeId) {
    this.name = name;
    TestPki.Held leaf = TestPki.leaf(ca, spiffeId);
    this.identity = WorkloadIdentity.of(List.of(leaf.certificate()), leaf.privateKey(),
        List.of(ca.certificate()));
  }

  /** Whether {@link #close()} was called. */
  public boolean closed() {
    return closed;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public WorkloadIdentity current() {
    return identity;
  }

  @Override
  public AutoCloseable onChange(Consumer<WorkloadIdentity> listener) {
    return () -> {};
  }

  @Override
  public void close() {
    closed = true;
  }
}
