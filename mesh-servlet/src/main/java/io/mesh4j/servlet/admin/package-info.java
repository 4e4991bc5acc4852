/**
 * The {@code /mesh/*} admin endpoints and live dashboard of a {@link io.mesh4j.Mesh}: {@link
 * io.mesh4j.servlet.admin.MeshAdmin} (offered every request by {@code MeshFilter}, found through
 * {@link java.util.ServiceLoader}) and {@link io.mesh4j.servlet.admin.MeshAdminServlet} (the same
 * endpoints on a port or context of their own). Everything else here is package-private. See
 * {@code docs/admin.md}.
 */
package io.mesh4j.servlet.admin;
