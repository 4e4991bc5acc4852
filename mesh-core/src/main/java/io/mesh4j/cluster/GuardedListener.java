package io.mesh4j.cluster;

import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.event.MeshEventListener;
import io.mesh4j.outlier.EjectionReason;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Delivers events to a user listener; whatever it throws is logged and swallowed. */
final class GuardedListener extends MeshEventListener {
  private static final Logger log = LoggerFactory.getLogger(GuardedListener.class);

  private final MeshEventListener delegate;

  GuardedListener(MeshEventListener delegate) {
    this.delegate = delegate;
  }

  private static void failed(String event, Throwable t) {
    log.warn("MeshEventListener.{} threw; the event is dropped and the mesh carries on", event, t);
  }

  @Override
  public void endpointAdded(Endpoint endpoint) {
    try {
      delegate.endpointAdded(endpoint);
    } catch (Throwable t) {
      failed("endpointAdded", t);
    }
  }

  @Override
  public void endpointRemoved(Endpoint endpoint) {
    try {
      delegate.endpointRemoved(endpoint);
    } catch (Throwable t) {
      failed("endpointRemoved", t);
    }
  }

  @Override
  public void endpointHealthChanged(Endpoint endpoint, boolean healthy) {
    try {
      delegate.endpointHealthChanged(endpoint, healthy);
    } catch (Throwable t) {
      failed("endpointHealthChanged", t);
    }
  }

  @Override
  public void endpointEjected(
      Endpoint endpoint, EjectionReason reason, Duration duration, boolean enforced) {
    try {
      delegate.endpointEjected(endpoint, reason, duration, enforced);
    } catch (Throwable t) {
      failed("endpointEjected", t);
    }
  }

  @Override
  public void endpointReturned(Endpoint endpoint) {
    try {
      delegate.endpointReturned(endpoint);
    } catch (Throwable t) {
      failed("endpointReturned", t);
    }
  }

  @Override
  public void pickerRebuilt(String cluster, int usable, int total, boolean panic) {
    try {
      delegate.pickerRebuilt(cluster, usable, total, panic);
    } catch (Throwable t) {
      failed("pickerRebuilt", t);
    }
  }
}
