package io.mesh4j.servlet;

import io.mesh4j.Mesh;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * The admin endpoints ({@code /mesh/...}) that {@link MeshFilter} delegates to.
 *
 * <p>The filter calls {@link #handle} for requests whose path (within the servlet context) is
 * {@code /mesh} or starts with {@code /mesh/}, other than the health endpoint, and only while the
 * current config has {@code admin.enabled}. The handler decides everything else (which paths
 * exist, {@code admin.allow_from}, methods) and returns {@code false} for a request it does not
 * answer, which then goes on to the application as if the filter were not there.
 *
 * <p>Implementations must be thread-safe. The filter obtains one with {@link
 * MeshFilter.Builder#admin(AdminHandler)}, or, when none is given, from the first {@link
 * Factory} found through {@link java.util.ServiceLoader} (register it in {@code
 * META-INF/services/io.mesh4j.servlet.AdminHandler$Factory}).
 */
public interface AdminHandler {
  /**
   * Handles {@code req} if its path is an admin path (under {@code /mesh/}); false otherwise.
   *
   * @param sourceAddress the request's source as the filter resolved it (the socket peer, or the
   *     client named by {@code X-Forwarded-For} when the peer is a trusted proxy); an IP literal
   * @return whether the response was produced; when false the handler must not have touched it
   * @throws IOException when writing the response fails
   */
  boolean handle(HttpServletRequest req, HttpServletResponse res, String sourceAddress) throws IOException;

  /** Creates the handler for a mesh; found through ServiceLoader by MeshFilter. */
  interface Factory {
    /** A handler serving {@code mesh}'s admin endpoints. Called once per filter. */
    AdminHandler create(Mesh mesh);
  }
}
