package io.mesh4j.cluster;

import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.event.MeshEventListener;
import io.mesh4j.outlier.EjectionReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Records events as short strings. */
final class RecordingListener extends MeshEventListener {
  private final List<String> events = new ArrayList<>();

  private synchronized void add(String e) {
    events.add(e);
  }

  synchronized List<String> events() {
    return List.copyOf(events);
  }

  synchronized List<String> eventsExceptRebuilds() {
    return events.stream().filter(e -> !e.startsWith("rebuilt")).toList();
  }

  synchronized void clear() {
    events.clear();
  }

  @Override
  public void endpointAdded(Endpoint endpoint) {
    add("added " + endpoint);
  }

  @Override
  public void endpointRemoved(Endpoint endpoint) {
    add("removed " + endpoint);
  }

  @Override
  public void endpointHealthChanged(Endpoint endpoint, boolean healthy) {
    add((healthy ? "healthy " : "unhealthy ") + endpoint);
  }

  @Override
  public void endpointEjected(Endpoint endpoint, EjectionReason reason, Duration duration, boolean enforced) {
    add("ejected " + endpoint + " " + reason.tagValue() + " " + duration.toSeconds() + "s" + (enforced ? "" : " dry-run"));
  }

  @Override
  public void endpointReturned(Endpoint endpoint) {
    add("returned " + endpoint);
  }

  @Override
  public void pickerRebuilt(String cluster, int usable, int total, boolean panic) {
    add("rebuilt " + cluster + " " + usable + "/" + total + (panic ? " panic" : ""));
  }
}
