package io.mesh4j.endpoint;

import io.mesh4j.time.Scheduler;
import java.time.Duration;
import java.util.concurrent.Executor;

/** Ready-made {@link EndpointSource.Factory factories}. */
public final class EndpointSources {
  private EndpointSources() {}

  /**
   * The standard factory: every cluster gets a {@link DnsEndpointSource} over its configured
   * endpoints, so IP literals are used as written and DNS names are expanded to all their
   * addresses and re-resolved every {@code refresh}.
   */
  public static EndpointSource.Factory standard(
      DnsResolver resolver, Duration refresh, Scheduler scheduler, Executor lookupExecutor) {
    return config -> new DnsEndpointSource(config, resolver, refresh, scheduler, lookupExecutor);
  }

  /** A factory of {@link StaticEndpointSource}s: the configured endpoints, never resolved. */
  public static EndpointSource.Factory fromConfig() {
    return config -> new StaticEndpointSource(config.endpoints());
  }
}
