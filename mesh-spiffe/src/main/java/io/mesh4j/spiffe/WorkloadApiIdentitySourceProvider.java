package io.mesh4j.spiffe;

import io.mesh4j.config.IdentitySourceConfig;
import io.mesh4j.identity.IdentitySource;
import io.mesh4j.identity.IdentitySourceProvider;
import java.util.Objects;

/**
 * Makes the {@link WorkloadApiIdentitySource} of an {@code identity_sources[]} entry with {@code
 * workload_api}, so a mesh4j config alone can use the SPIFFE Workload API; registered for {@link
 * java.util.ServiceLoader} in {@code META-INF/services/io.mesh4j.identity.IdentitySourceProvider},
 * so having mesh-spiffe on the class path is enough:
 *
 * <pre>{@code
 * identity_sources:
 *   - name: workload
 *     workload_api:
 *       socket: unix:///run/spire/sockets/agent.sock   # default: $SPIFFE_ENDPOINT_SOCKET
 *       spiffe_id: spiffe://example.org/ns/shop/sa/web  # default: the agent's first SVID
 *       initial_timeout: 30s                            # how long the build waits for an SVID
 * }</pre>
 *
 * <p>The entry maps onto {@link WorkloadApiIdentitySource#builder(String)} with {@code socket},
 * {@code spiffeId} and {@code initialTimeout}; the reconnect backoff keeps its defaults. {@link
 * #create} blocks until the first SVID arrives (up to {@code initial_timeout}) and throws what the
 * builder throws, which the mesh reports at {@code identity_sources[i].workload_api}. Stateless and
 * thread-safe.
 */
public final class WorkloadApiIdentitySourceProvider implements IdentitySourceProvider {

  /** The provider {@link java.util.ServiceLoader} instantiates. */
  public WorkloadApiIdentitySourceProvider() {}

  @Override
  public String kind() {
    return WORKLOAD_API;
  }

  /**
   * Connects to the entry's Workload API and waits for the first SVID.
   *
   * @throws IllegalArgumentException when the entry has no {@code workload_api}, or it names no
   *     socket and {@code SPIFFE_ENDPOINT_SOCKET} is unset or malformed
   * @throws IllegalStateException when no usable SVID arrived within {@code initial_timeout}
   */
  @Override
  public IdentitySource create(IdentitySourceConfig entry) {
    Objects.requireNonNull(entry, "entry");
    IdentitySourceConfig.WorkloadApi api = entry.workloadApi();
    if (api == null) {
      throw new IllegalArgumentException("identity source " + entry.name()
          + ": no workload_api (expected: an entry with workload_api)");
    }
    WorkloadApiIdentitySource.Builder b = WorkloadApiIdentitySource.builder(entry.name())
        .initialTimeout(api.initialTimeout());
    if (api.socket() != null) b.socket(api.socket());
    if (api.spiffeId() != null) b.spiffeId(api.spiffeId());
    return b.build();
  }
}
