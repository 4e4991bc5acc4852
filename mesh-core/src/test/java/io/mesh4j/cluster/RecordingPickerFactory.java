package io.mesh4j.cluster;

import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.lb.PickResult;
import io.mesh4j.lb.Picker;
import io.mesh4j.lb.PickerFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Builds plain round-robin pickers (weights ignored) and records every build. */
final class RecordingPickerFactory implements PickerFactory {
  /** One build: the endpoints and weights the cluster handed over. */
  record Build(List<Endpoint> endpoints, int[] weights) {
    List<String> addresses() {
      return endpoints.stream().map(Endpoint::address).toList();
    }

    List<Integer> weightList() {
      return Arrays.stream(weights).boxed().toList();
    }
  }

  private final List<Build> builds = new ArrayList<>();

  @Override
  public synchronized Picker build(List<Endpoint> endpoints, int[] weights) {
    builds.add(new Build(List.copyOf(endpoints), weights.clone()));
    PickResult[] results = endpoints.stream().map(PickResult::of).toArray(PickResult[]::new);
    AtomicInteger next = new AtomicInteger();
    return context ->
        results.length == 0 ? PickResult.NONE : results[Math.floorMod(next.getAndIncrement(), results.length)];
  }

  synchronized List<Build> builds() {
    return List.copyOf(builds);
  }

  synchronized Build last() {
    return builds.get(builds.size() - 1);
  }

  synchronized int count() {
    return builds.size();
  }
}
