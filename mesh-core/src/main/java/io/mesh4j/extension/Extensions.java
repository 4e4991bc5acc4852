package io.mesh4j.extension;

import io.mesh4j.config.ArgErrors;
import io.mesh4j.config.ExtensionArgs;
import io.mesh4j.config.ExtensionCatalog;
import io.mesh4j.config.ExtensionKind;
import io.mesh4j.config.ExtensionRef;
import io.mesh4j.health.HealthProbeProvider;
import io.mesh4j.health.HealthProbes;
import io.mesh4j.lb.PickerProvider;
import io.mesh4j.policy.CompiledPolicy;
import io.mesh4j.policy.PolicyContext;
import io.mesh4j.policy.RequestPolicy;
import io.mesh4j.route.RouteExtensions;
import io.mesh4j.route.RouteMatcher;
import io.mesh4j.time.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URL;
import java.security.CodeSource;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;

/**
 * The extensions one mesh can name from its config, by kind and unique name: custom matchers
 * ({@link RouteMatcher.Factory}), custom load-balancing policies ({@link PickerProvider}), health
 * probes (names only: the probes themselves live in {@link HealthProbes}) and request policies
 * ({@link RequestPolicy.Factory}). Each entry remembers where it came from, so a name registered
 * twice is reported naming both sources.
 *
 * <p>Two ways in: {@link Builder#discover(ClassLoader)} adds what {@link ServiceLoader} finds
 * (drop-in jars, and mesh4j's own {@code jwt-claim} and {@code audit-log}); the {@code add}
 * methods add extensions in code ({@code Mesh.Builder.matcher} and friends end up there). There
 * is no global registry: each mesh builds its own.
 *
 * <p>As an {@link ExtensionCatalog} it lets {@link io.mesh4j.config.ConfigValidator} check names
 * and arguments in the same pass as the rest of a config. Immutable and thread-safe.
 */
public final class Extensions implements ExtensionCatalog {
  private final Map<ExtensionKind, Map<String, Entry>> entries;
  private final List<String> problems;

  /** One registration: the factory (or {@code null} for a health probe name) and its origin. */
  private record Entry(Object factory, String source) {}

  private Extensions(Builder b) {
    Map<ExtensionKind, Map<String, Entry>> m = new LinkedHashMap<>();
    for (ExtensionKind k : ExtensionKind.values()) {
      m.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(b.entries.get(k))));
    }
    this.entries = Collections.unmodifiableMap(m);
    this.problems = List.copyOf(b.problems);
  }

  /** A builder holding nothing yet. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * What {@link ServiceLoader} finds with the thread's context class loader (else this library's):
   * what a tool such as {@code mesh4j validate} can know without the application's code.
   * Duplicate names and providers that fail to load are kept as {@link #problems()}, not thrown.
   */
  public static Extensions discovered() {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    return discovered(loader != null ? loader : Extensions.class.getClassLoader());
  }

  /** What {@link ServiceLoader} finds with {@code loader}; see {@link #discovered()}. */
  public static Extensions discovered(ClassLoader loader) {
    Builder b = builder();
    b.collect = true;
    b.discover(loader);
    return b.build();
  }

  /** The matcher factory registered as {@code name}, or {@code null}. */
  public RouteMatcher.Factory matcher(String name) {
    return (RouteMatcher.Factory) factory(ExtensionKind.MATCHER, name);
  }

  /** The picker provider registered as {@code name}, or {@code null}. */
  public PickerProvider picker(String name) {
    return (PickerProvider) factory(ExtensionKind.PICKER, name);
  }

  /** The policy factory registered as {@code name}, or {@code null}. */
  public RequestPolicy.Factory policy(String name) {
    return (RequestPolicy.Factory) factory(ExtensionKind.POLICY, name);
  }

  private Object factory(ExtensionKind kind, String name) {
    Entry e = entries.get(kind).get(name);
    return e == null ? null : e.factory;
  }

  /** Where {@code name} of {@code kind} was registered ({@code ServiceLoader: ...} or code), or {@code null}. */
  public String source(ExtensionKind kind, String name) {
    Entry e = entries.get(kind).get(name);
    return e == null ? null : e.source;
  }

  @Override
  public Set<String> names(ExtensionKind kind) {
    return entries.get(kind).keySet();
  }

  @Override
  public List<String> problems() {
    return problems;
  }

  @Override
  public void validate(ExtensionKind kind, String name, ExtensionArgs args, ArgErrors errors) {
    switch (kind) {
      case MATCHER -> {
        RouteMatcher.Factory f = matcher(name);
        if (f != null) f.validate(args, errors);
      }
      case PICKER -> {
        PickerProvider p = picker(name);
        if (p != null) p.validate(args, errors);
      }
      case POLICY -> {
        RequestPolicy.Factory f = policy(name);
        if (f != null) f.validate(args, errors);
      }
      case HEALTH_PROBE -> {
        if (!args.keys().isEmpty()) errors.error("", "health probes take no arguments");
      }
    }
  }

  /**
   * What a route table compile needs from these extensions for one snapshot: matchers made by
   * their factories, policies made by theirs with a {@link PolicyContext} of this mesh's time and
   * meters, wrapped as {@link CompiledPolicy}.
   */
  public RouteExtensions routeExtensions(MeterRegistry registry, Ticker ticker, Clock clock) {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(ticker, "ticker");
    Objects.requireNonNull(clock, "clock");
    PolicyContext context = new PolicyContext(ticker, clock, registry);
    return new RouteExtensions() {
      @Override
      public RouteMatcher matcher(ExtensionRef ref) {
        RouteMatcher.Factory f = Extensions.this.matcher(ref.name());
        if (f == null) throw new IllegalArgumentException("unknown matcher " + ref.name());
        RouteMatcher m;
        try {
          m = f.create(ref.args());
        } catch (RuntimeException e) {
          throw new IllegalArgumentException("matcher " + ref.name() + " cannot be made: " + e, e);
        }
        if (m == null) throw new IllegalArgumentException("matcher " + ref.name() + " made null");
        return m;
      }

      @Override
      public CompiledPolicy policy(ExtensionRef ref) {
        RequestPolicy.Factory f = Extensions.this.policy(ref.name());
        if (f == null) throw new IllegalArgumentException("unknown policy " + ref.name());
        RequestPolicy p;
        try {
          p = f.create(ref.args(), context);
        } catch (RuntimeException e) {
          throw new IllegalArgumentException("policy " + ref.name() + " cannot be made: " + e, e);
        }
        if (p == null) throw new IllegalArgumentException("policy " + ref.name() + " made null");
        return CompiledPolicy.of(ref.name(), p, registry, ticker);
      }

      @Override
      public Ticker ticker() {
        return ticker;
      }
    };
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Extensions{");
    for (ExtensionKind k : ExtensionKind.values()) {
      sb.append(k.noun()).append('s').append('=').append(new TreeSet<>(names(k))).append(' ');
    }
    return sb.append('}').toString();
  }

  /**
   * Collects extensions. A name registered twice within a kind fails at the second registration,
   * naming both sources. Not thread-safe.
   */
  public static final class Builder {
    private final Map<ExtensionKind, Map<String, Entry>> entries = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();
    /** Keep duplicates and load failures as problems instead of throwing (for discovery). */
    private boolean collect;

    private Builder() {
      for (ExtensionKind k : ExtensionKind.values()) entries.put(k, new LinkedHashMap<>());
    }

    /**
     * Adds every matcher, picker, policy and health probe provider {@link ServiceLoader} finds
     * with {@code loader}.
     *
     * @throws IllegalStateException when a provider cannot be loaded or a name is taken
     */
    public Builder discover(ClassLoader loader) {
      Objects.requireNonNull(loader, "loader");
      for (RouteMatcher.Factory f : load(RouteMatcher.Factory.class, loader)) {
        put(ExtensionKind.MATCHER, f.name(), f, serviceSource(f));
      }
      for (PickerProvider p : load(PickerProvider.class, loader)) {
        put(ExtensionKind.PICKER, p.name(), p, serviceSource(p));
      }
      for (RequestPolicy.Factory f : load(RequestPolicy.Factory.class, loader)) {
        put(ExtensionKind.POLICY, f.name(), f, serviceSource(f));
      }
      for (HealthProbeProvider p : load(HealthProbeProvider.class, loader)) {
        if (!entries.get(ExtensionKind.HEALTH_PROBE).containsKey(p.name())) {
          put(ExtensionKind.HEALTH_PROBE, p.name(), null, serviceSource(p));
        }
      }
      if (!entries.get(ExtensionKind.HEALTH_PROBE).containsKey(HealthProbes.TCP)) {
        put(ExtensionKind.HEALTH_PROBE, HealthProbes.TCP, null, "built in");
      }
      return this;
    }

    private <T> List<T> load(Class<T> type, ClassLoader loader) {
      List<T> out = new ArrayList<>();
      Iterator<T> it = ServiceLoader.load(type, loader).iterator();
      for (int guard = 0; guard < 10_000; guard++) {
        try {
          if (!it.hasNext()) break;
          out.add(it.next());
        } catch (ServiceConfigurationError e) {
          String problem = "cannot load a " + type.getName() + " provider: " + e.getMessage();
          if (!collect) throw new IllegalStateException(problem, e);
          problems.add(problem);
        }
      }
      return out;
    }

    /** Registers {@code factory} as the matcher {@code name}. */
    public Builder matcher(String name, RouteMatcher.Factory factory, String source) {
      return put(ExtensionKind.MATCHER, name, Objects.requireNonNull(factory, "factory"), source);
    }

    /** Registers {@code provider} as the picker {@code name}. */
    public Builder picker(String name, PickerProvider provider, String source) {
      return put(ExtensionKind.PICKER, name, Objects.requireNonNull(provider, "provider"), source);
    }

    /** Registers {@code factory} as the policy {@code name}. */
    public Builder policy(String name, RequestPolicy.Factory factory, String source) {
      return put(ExtensionKind.POLICY, name, Objects.requireNonNull(factory, "factory"), source);
    }

    /**
     * Makes {@code name} a known health probe ({@code health_check.probe}). Probes may be
     * replaced by name (the mesh's {@code healthProbe} overrides a discovered one), so this never
     * reports a duplicate.
     */
    public Builder healthProbe(String name, String source) {
      Objects.requireNonNull(name, "name");
      entries.get(ExtensionKind.HEALTH_PROBE).put(name, new Entry(null, Objects.requireNonNull(source, "source")));
      return this;
    }

    private Builder put(ExtensionKind kind, String name, Object factory, String source) {
      Objects.requireNonNull(source, "source");
      if (name == null || name.isEmpty() || !name.equals(name.strip())) {
        String problem = kind.noun() + " name " + (name == null ? "null" : "\"" + name + "\"")
            + " from " + source + " (expected: a non-empty name without surrounding spaces)";
        if (!collect) throw new IllegalArgumentException(problem);
        problems.add(problem);
        return this;
      }
      Entry old = entries.get(kind).get(name);
      if (old != null) {
        String problem = kind.noun() + " \"" + name + "\" is registered twice: by " + old.source
            + " and by " + source + " (expected: each name once)";
        if (!collect) throw new IllegalStateException(problem);
        problems.add(problem);
        return this;
      }
      entries.get(kind).put(name, new Entry(factory, source));
      return this;
    }

    /** The extensions. */
    public Extensions build() {
      return new Extensions(this);
    }
  }

  /** {@code ServiceLoader: com.example.Factory (file:/path/ext.jar)}. */
  static String serviceSource(Object provider) {
    Class<?> c = provider.getClass();
    String where = "";
    try {
      CodeSource cs = c.getProtectionDomain().getCodeSource();
      URL url = cs == null ? null : cs.getLocation();
      if (url != null) where = " (" + url + ")";
    } catch (SecurityException e) {
      // leave the location out
    }
    return "ServiceLoader: " + c.getName() + where;
  }
}
