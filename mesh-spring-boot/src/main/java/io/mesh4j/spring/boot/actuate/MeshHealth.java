package io.mesh4j.spring.boot.actuate;

import io.mesh4j.Mesh;
import io.mesh4j.cluster.Cluster;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The mesh's contribution to the application's health, independent of the Boot version: {@code
 * OUT_OF_SERVICE} while the mesh drains; {@code DOWN} when a required cluster ({@code
 * mesh4j.health.required-clusters}, opt-in) has no usable endpoint or does not exist; else {@code
 * UP}. Details: draining, config generation, and each required cluster's usable count. Boot 3.5's
 * and Boot 4's {@code HealthIndicator}s are thin adapters over {@link #check()}.
 *
 * <p>Thread-safe; reads one snapshot.
 */
public final class MeshHealth {
  /** The three states the mesh reports; names match Boot's {@code Status} codes. */
  public enum State { UP, DOWN, OUT_OF_SERVICE }

  /** One health reading. */
  public record Reading(State state, Map<String, Object> details) {}

  private final Mesh mesh;
  private final List<String> requiredClusters;

  public MeshHealth(Mesh mesh, List<String> requiredClusters) {
    this.mesh = Objects.requireNonNull(mesh, "mesh");
    this.requiredClusters = List.copyOf(requiredClusters);
  }

  /** Reads the mesh's health now. */
  public Reading check() {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("draining", mesh.isDraining());
    details.put("generation", mesh.current().generation());
    State state = mesh.isDraining() ? State.OUT_OF_SERVICE : State.UP;
    for (String name : requiredClusters) {
      Cluster c = mesh.current().cluster(name);
      int usable = c == null ? 0 : c.usableCount();
      details.put("cluster." + name, c == null ? "missing" : usable + " usable");
      if (usable == 0 && state == State.UP) state = State.DOWN;
    }
    return new Reading(state, details);
  }
}
