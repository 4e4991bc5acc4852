package io.mesh4j.identity;

import java.util.function.Consumer;

/**
 * Where a workload's TLS identity comes from: the current certificate chain, private key and trust
 * bundle ({@link WorkloadIdentity}), and news when they change. mesh4j's TLS key and trust managers
 * read {@link #current()} on every handshake, so a rotation applies to the next connection
 * without a restart, and connections already open are left alone.
 *
 * <p>Implementations: {@link PemFileIdentitySource} (files written by cert-manager's
 * csi-driver-spiffe, Istio's file mounts, a Vault agent or spiffe-helper) and, in the optional
 * {@code mesh-spiffe} module, {@code io.mesh4j.spiffe.WorkloadApiIdentitySource} (the SPIFFE
 * Workload API's SVID stream) and, in {@code mesh-xds}, {@code io.mesh4j.xds.SdsIdentitySource}
 * (xDS SDS secrets over the control plane's ADS stream). Register a source of your own with {@code
 * Mesh.builder().identitySource(source)}; config names it as a cluster's or the inbound side's
 * {@code tls.source}.
 *
 * <p>Contract: {@link #current()} never blocks and never returns {@code null} once the source is
 * built (a source that cannot produce a first identity fails to build; the one exception is a
 * source fed later by another component, such as the SDS source before its first secrets, which
 * the mesh refuses to use until it has an identity); it keeps returning the
 * last good identity while a newer one cannot be read, reporting why in {@link #lastError()}.
 * Listeners run on the source's own thread after {@link #current()} already returns the new
 * value; they must be quick and must not throw (a throwing listener is logged and ignored).
 * Thread-safe.
 */
public interface IdentitySource extends AutoCloseable {

  /** The name config refers to ({@code tls.source}). */
  String name();

  /** The identity to present and the bundle to trust right now. */
  WorkloadIdentity current();

  /**
   * Calls {@code listener} with each new identity from now on.
   *
   * @return closing it removes the listener
   */
  AutoCloseable onChange(Consumer<WorkloadIdentity> listener);

  /**
   * Why the latest attempt to read a newer identity failed (the current one is still served), or
   * {@code null} when it did not. Never contains key material.
   */
  default String lastError() {
    return null;
  }

  /** A short description for the admin page: the files watched, the socket used. */
  default String describe() {
    return getClass().getSimpleName();
  }

  /** Stops watching; {@link #current()} keeps answering the last identity. Idempotent. */
  @Override
  void close();
}
