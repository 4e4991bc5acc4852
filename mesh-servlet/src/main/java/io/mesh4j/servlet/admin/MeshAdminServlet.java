package io.mesh4j.servlet.admin;

import io.mesh4j.Mesh;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.UnavailableException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * The {@link MeshAdmin} endpoints as a plain servlet, for applications that serve the admin on
 * its own port or context rather than through {@code MeshFilter}.
 *
 * <p>Map it so that the admin paths keep their {@code /mesh/} prefix relative to the context
 * path: to {@code /mesh/*} (next to other servlets) or to {@code /} (a context of its own). The
 * source address is the socket peer ({@link HttpServletRequest#getRemoteAddr()}); {@code
 * X-Forwarded-For} is not consulted here. Every request the admin does not answer (disabled,
 * source not in {@code admin.allow_from}, unknown path) gets the container's plain 404.
 *
 * <pre>{@code
 * // programmatic (embedded Jetty, Spring's ServletRegistrationBean, ...)
 * context.addServlet(new ServletHolder(new MeshAdminServlet(mesh)), "/mesh/*");
 * }</pre>
 *
 * <p>Deployed by class name (web.xml, {@code @WebServlet} scanning), the no-argument constructor
 * takes the mesh from the servlet context attribute named by the init parameter {@value
 * #MESH_ATTRIBUTE_PARAM} (default {@value #DEFAULT_MESH_ATTRIBUTE}), which the application sets
 * before the servlet is initialized; without one the servlet is unavailable. The servlet never
 * closes the mesh. Thread-safe.
 */
public class MeshAdminServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  /** The init parameter naming the context attribute that holds the {@link Mesh}. */
  public static final String MESH_ATTRIBUTE_PARAM = "mesh-attribute";

  /** The context attribute the no-argument constructor reads by default. */
  public static final String DEFAULT_MESH_ATTRIBUTE = "io.mesh4j.Mesh";

  private transient volatile MeshAdmin admin;

  /** A servlet that finds its mesh in the servlet context when initialized. */
  public MeshAdminServlet() {}

  /** A servlet for {@code mesh}. */
  public MeshAdminServlet(Mesh mesh) {
    this.admin = new MeshAdmin(mesh);
  }

  /**
   * Finds the mesh in the context attribute when none was given to the constructor.
   *
   * @throws UnavailableException when the attribute is missing or not a {@link Mesh}
   */
  @Override
  public void init(ServletConfig config) throws ServletException {
    super.init(config);
    if (admin != null) return;
    String name = config.getInitParameter(MESH_ATTRIBUTE_PARAM);
    if (name == null || name.isEmpty()) name = DEFAULT_MESH_ATTRIBUTE;
    Object mesh = config.getServletContext().getAttribute(name);
    if (!(mesh instanceof Mesh m)) {
      throw new UnavailableException(
          "MeshAdminServlet: servlet context attribute '" + name + "' holds "
              + (mesh == null ? "nothing" : "a " + mesh.getClass().getName())
              + " (expected: an io.mesh4j.Mesh set by the application before this servlet starts)");
    }
    admin = new MeshAdmin(m);
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse res)
      throws ServletException, IOException {
    MeshAdmin a = admin;
    if (a == null) throw new UnavailableException("MeshAdminServlet: not initialized");
    if (!a.handle(req, res, req.getRemoteAddr())) {
      res.sendError(HttpServletResponse.SC_NOT_FOUND);
    }
  }
}
