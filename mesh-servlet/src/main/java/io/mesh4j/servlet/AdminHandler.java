package io.mesh4j.servlet;

import io.mesh4j.Mesh;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

public interface AdminHandler {
  /** Handles req if its path is an admin path (under /mesh/); false otherwise. */
  boolean handle(HttpServletRequest req, HttpServletResponse res, String sourceAddress) throws IOException;
  /** Creates the handler for a mesh; found through ServiceLoader by MeshFilter. */
  interface Factory { AdminHandler create(Mesh mesh); }
}
