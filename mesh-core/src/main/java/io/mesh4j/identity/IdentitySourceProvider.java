package io.mesh4j.identity;

import io.mesh4j.config.IdentitySourceConfig;

/**
 * Makes the {@link IdentitySource} of an {@code identity_sources[]} entry of one kind, found
 * through {@link java.util.ServiceLoader}, so a source can be declared in the config alone: mesh-spiffe's
 * provider of kind {@value #WORKLOAD_API} makes the source of {@code identity_sources: [{name,
 * workload_api: {...}}]}. PEM files ({@code pem}) are built in and need no provider.
 *
 * <p>A mesh asks the provider once for each entry of its kind that is new or changed, while it
 * builds or reloads (under its reload lock: {@link #create} may block, for instance until the
 * first certificate arrives), and owns the result: it closes the source when a reload removes or
 * changes the entry, when a reload that made it fails, and when the mesh closes. A reload that
 * keeps the entry unchanged keeps the same source.
 *
 * <p>Register an implementation (public, with a public no-argument constructor) in {@code
 * META-INF/services/io.mesh4j.identity.IdentitySourceProvider}; at most one provider per kind may
 * be on the class path. Implementations are stateless and thread-safe.
 */
public interface IdentitySourceProvider {

  /** The kind of the SPIFFE Workload API entries: {@code identity_sources[].workload_api}. */
  String WORKLOAD_API = "workload_api";

  /** The entry key this provider makes sources for ({@value #WORKLOAD_API}). */
  String kind();

  /**
   * A new source for {@code entry}, named {@code entry.name()}, ready to serve: {@link
   * IdentitySource#current()} is not {@code null}.
   *
   * @param entry a validated entry that has this provider's kind set
   * @throws IllegalArgumentException or {@link IllegalStateException} when the source cannot be
   *     made (no socket, no certificate in time); the message becomes the config error at the
   *     entry's path, so it should say what and why
   */
  IdentitySource create(IdentitySourceConfig entry);
}
