package io.mesh4j.health;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health probes one mesh can use, by name ({@code health_check.probe}). Built once by the
 * mesh's builder and handed to its clusters: there is no global registry, so two meshes in one
 * JVM never share probes by accident.
 *
 * <pre>{@code
 * HealthProbes probes = HealthProbes.builder()      // "tcp" is built in
 *     .add("http", new OkHttpHealthProbe(client))   // from mesh-okhttp
 *     .build();
 * ...
 * probes.close();                                   // after the mesh is closed
 * }</pre>
 *
 * <p>The registry owns its probes: {@link #close()} closes every probe that is {@link
 * AutoCloseable} (the built-in {@code tcp} probe stops its connect threads). Immutable after
 * {@link Builder#build()} and thread-safe.
 */
public final class HealthProbes implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HealthProbes.class);

  /** The name of the built-in TCP connect probe. */
  public static final String TCP = "tcp";

  private final Map<String, HealthProbe> probes;

  private HealthProbes(Map<String, HealthProbe> probes) {
    this.probes = Collections.unmodifiableMap(probes);
  }

  /** A builder that already holds the built-in {@code tcp} probe. */
  public static Builder builder() {
    return new Builder();
  }

  /** The probe registered as {@code name}, or {@code null}. */
  public HealthProbe get(String name) {
    return probes.get(name);
  }

  /** The registered names, in registration order ({@code tcp} first unless replaced). */
  public Set<String> names() {
    return probes.keySet();
  }

  /** Closes every registered probe that is {@link AutoCloseable}; failures are logged. Idempotent. */
  @Override
  public void close() {
    for (Map.Entry<String, HealthProbe> e : probes.entrySet()) {
      if (e.getValue() instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception ex) {
          log.warn("closing health probe '{}' failed", e.getKey(), ex);
        }
      }
    }
  }

  /** Collects probes by name. Not thread-safe; use it from one thread, then {@link #build()}. */
  public static final class Builder {
    private final Map<String, HealthProbe> probes = new LinkedHashMap<>();
    private boolean builtInTcp = true;

    private Builder() {}

    /**
     * Registers {@code probe} as {@code name}. The built-in {@code tcp} may be replaced; any other
     * name may be registered once.
     *
     * @throws IllegalArgumentException when {@code name} is empty or already registered
     * @throws NullPointerException when an argument is null
     */
    public Builder add(String name, HealthProbe probe) {
      if (name == null) throw new NullPointerException("name");
      if (probe == null) throw new NullPointerException("probe");
      if (name.isEmpty()) throw new IllegalArgumentException("name: \"\" (expected: a probe name)");
      if (TCP.equals(name) && builtInTcp) {
        builtInTcp = false;
      } else if (probes.containsKey(name)) {
        throw new IllegalArgumentException("name: " + name + " (expected: not yet registered)");
      }
      probes.put(name, probe);
      return this;
    }

    /** The registry; creates the built-in {@code tcp} probe unless it was replaced. */
    public HealthProbes build() {
      Map<String, HealthProbe> all = new LinkedHashMap<>();
      if (builtInTcp) all.put(TCP, new TcpHealthProbe());
      all.putAll(probes);
      return new HealthProbes(all);
    }
  }

  @Override
  public String toString() {
    return "HealthProbes" + probes.keySet();
  }
}
