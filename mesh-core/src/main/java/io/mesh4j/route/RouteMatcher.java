package io.mesh4j.route;

import io.mesh4j.config.ArgErrors;
import io.mesh4j.config.ExtensionArgs;

/**
 * A custom route condition, the SPI behind {@code match: { custom: { name, args } }}: routes on
 * anything the built-in conditions cannot see (a JWT claim, a tenant header's parsed value).
 *
 * <p>Created once per config snapshot by its {@link Factory} from the route's arguments, then
 * shared by every request on every thread: {@link #matches} must be thread-safe, fast, must not
 * block and should not allocate more than it has to (it runs on the hot path, after the route's
 * built-in conditions held). It must not throw; one that does counts as not matching.
 *
 * <pre>{@code
 * final class TenantMatcherFactory implements RouteMatcher.Factory {
 *   public String name() { return "tenant"; }
 *   public void validate(ExtensionArgs args, ArgErrors errors) {
 *     args.onlyKeys(errors, "is");
 *     if (args.string("is") == null) errors.error("is", "missing (expected: a tenant id)");
 *   }
 *   public RouteMatcher create(ExtensionArgs args) {
 *     String tenant = args.string("is");
 *     return request -> tenant.equals(request.header("x-tenant"));
 *   }
 * }
 * Mesh mesh = Mesh.builder().configFile(path).matcher(new TenantMatcherFactory()).build();
 * }</pre>
 */
@FunctionalInterface
public interface RouteMatcher {

  /** Whether {@code request} meets this condition. Thread-safe; never blocks. */
  boolean matches(RequestView request);

  /**
   * Makes {@link RouteMatcher}s from config arguments. Register one on {@code
   * Mesh.Builder.matcher} or by {@link java.util.ServiceLoader} in {@code
   * META-INF/services/io.mesh4j.route.RouteMatcher$Factory} (then it needs a public no-argument
   * constructor). Names are unique among matchers.
   *
   * <p>Thread-safe: {@link #validate} and {@link #create} may be called from any thread, off the
   * hot path (at load and reload).
   */
  interface Factory {

    /** The name configs use ({@code custom.name}). */
    String name();

    /**
     * Checks {@code args}, reporting every problem to {@code errors} (with the argument's key).
     * Called in the same pass as the rest of the config's validation; {@link #create} is only
     * called with arguments that passed. The default accepts anything.
     */
    default void validate(ExtensionArgs args, ArgErrors errors) {}

    /**
     * A matcher for these (validated) arguments.
     *
     * @throws IllegalArgumentException if it cannot be made; the config is then rejected
     */
    RouteMatcher create(ExtensionArgs args);
  }
}
