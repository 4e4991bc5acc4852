package io.mesh4j;

import java.util.Map;

/**
 * The live status of something that feeds a {@link Mesh} its config from outside the mesh (an xDS
 * client, say), registered with {@link Mesh#registerConfigSource} so the admin ({@code
 * /mesh/config}) can show it without depending on the source's own libraries.
 *
 * <p>{@link #status()} returns a JSON-like tree: a {@code Map} with {@code String} keys whose
 * values are {@code null}, {@code String}, {@code Number}, {@code Boolean}, such maps, or {@code
 * List}s of these. It is called from admin request threads at any time, so it must be
 * thread-safe, fast and non-blocking, and should return a fresh, consistent copy.
 */
@FunctionalInterface
public interface ConfigSourceStatus {

  /** The source's current status as a JSON-like tree (see the class comment); never {@code null}. */
  Map<String, Object> status();
}
