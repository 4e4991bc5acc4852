package io.mesh4j.route;

import io.mesh4j.config.ExtensionRef;
import io.mesh4j.policy.CompiledPolicy;
import io.mesh4j.policy.PolicyChain;
import io.mesh4j.time.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Turns the extension references of routes into compiled objects while a {@link RouteTable} is
 * built (once per snapshot, never per request): custom conditions into {@link RouteMatcher}s,
 * policy references into {@link CompiledPolicy}s. A mesh supplies one backed by its registered
 * extensions; {@link #discovered()} serves tools that only route (explain, simulate).
 *
 * <p>Implementations are used from the thread compiling the table only.
 */
public interface RouteExtensions {

  /**
   * The matcher for a route's {@code match.custom}.
   *
   * @throws IllegalArgumentException if the name is unknown or the factory rejects the arguments
   */
  RouteMatcher matcher(ExtensionRef ref);

  /**
   * The compiled policy for one {@code policies} entry; {@code null} when this compiler does not
   * run policies (the route then has none).
   *
   * @throws IllegalArgumentException if the name is unknown or the factory rejects the arguments
   */
  CompiledPolicy policy(ExtensionRef ref);

  /** The ticker policy chains measure durations on. */
  default Ticker ticker() {
    return Ticker.system();
  }

  /**
   * Matchers from the {@link RouteMatcher.Factory factories} {@link ServiceLoader} finds with the
   * thread's context class loader (else this library's); policies are left out (they never change
   * where a request goes).
   */
  static RouteExtensions discovered() {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    if (loader == null) loader = RouteExtensions.class.getClassLoader();
    Map<String, RouteMatcher.Factory> factories = new TreeMap<>();
    try {
      for (RouteMatcher.Factory f : ServiceLoader.load(RouteMatcher.Factory.class, loader)) {
        factories.putIfAbsent(f.name(), f);
      }
    } catch (ServiceConfigurationError e) {
      throw new IllegalArgumentException("loading route matchers failed: " + e.getMessage(), e);
    }
    return new RouteExtensions() {
      @Override
      public RouteMatcher matcher(ExtensionRef ref) {
        RouteMatcher.Factory f = factories.get(ref.name());
        if (f == null) {
          throw new IllegalArgumentException("unknown matcher " + ref.name() + " (registered: "
              + factories.keySet() + ")");
        }
        return f.create(ref.args());
      }

      @Override
      public CompiledPolicy policy(ExtensionRef ref) {
        return null;
      }
    };
  }

  /** Compiles each reference of {@code refs} (skipping those {@link #policy} leaves out). */
  default List<CompiledPolicy> policies(List<ExtensionRef> refs) {
    List<CompiledPolicy> out = new ArrayList<>(refs.size());
    for (ExtensionRef r : refs) {
      CompiledPolicy p = policy(r);
      if (p != null) out.add(p);
    }
    return out;
  }
}
