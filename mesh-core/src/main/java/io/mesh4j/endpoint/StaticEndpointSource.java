package io.mesh4j.endpoint;

import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.EndpointConfig;
import java.util.List;

/**
 * The endpoints written in the cluster's config, as they are: no DNS resolution (a DNS name stays
 * one endpoint named by its host). {@link #start} pushes the list at once, on the calling thread;
 * {@link #update} pushes the new config's list if it differs. Thread-safe.
 */
public final class StaticEndpointSource implements EndpointSource {
  private List<EndpointConfig> endpoints;
  private Listener listener;
  private boolean closed;

  /** A source of exactly {@code endpoints}. */
  public StaticEndpointSource(List<EndpointConfig> endpoints) {
    this.endpoints = List.copyOf(endpoints);
  }

  @Override
  public void start(Listener listener) {
    List<EndpointConfig> list;
    synchronized (this) {
      if (closed || this.listener != null) return;
      this.listener = listener;
      list = endpoints;
    }
    listener.onEndpoints(list);
  }

  @Override
  public boolean update(ClusterConfig config) {
    Listener l;
    List<EndpointConfig> list;
    synchronized (this) {
      if (config.endpoints().equals(endpoints)) return true;
      endpoints = config.endpoints();
      if (closed || listener == null) return true;
      l = listener;
      list = endpoints;
    }
    l.onEndpoints(list);
    return true;
  }

  @Override
  public synchronized void close() {
    closed = true;
  }
}
