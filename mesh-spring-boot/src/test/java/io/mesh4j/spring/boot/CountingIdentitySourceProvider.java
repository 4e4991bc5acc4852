package io.mesh4j.spring.boot;

import io.mesh4j.config.IdentitySourceConfig;
import io.mesh4j.identity.FixedIdentitySource;
import io.mesh4j.identity.IdentitySource;
import io.mesh4j.identity.IdentitySourceProvider;
import io.mesh4j.identity.TestPki;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@code workload_api} provider for this module's tests (registered in the test class path's
 * {@code META-INF/services}), standing in for mesh-spiffe's: it counts the sources it was asked
 * to make, so a test can show that something did, or did not, connect to the agent.
 */
public final class CountingIdentitySourceProvider implements IdentitySourceProvider {
  /** Sources made since the JVM started (ServiceLoader makes a new provider per mesh). */
  static final AtomicInteger CREATED = new AtomicInteger();
  private static final TestPki.Held CA = TestPki.ca("preinit CA");

  @Override
  public String kind() {
    return WORKLOAD_API;
  }

  @Override
  public IdentitySource create(IdentitySourceConfig entry) {
    CREATED.incrementAndGet();
    return new FixedIdentitySource(entry.name(), CA, "spiffe://corp.test/web");
  }
}
