/**
 * Engine internals shared by mesh4j's own modules: the per-{@link io.mesh4j.Mesh} runtime state
 * ({@link io.mesh4j.internal.MeshRuntime}), the inbound pipeline ({@code .server}) and the client
 * attempt loop ({@code .client}).
 *
 * <p>Public only so the adapters in other modules can reach them. Not an API; it changes without
 * notice.
 */
package io.mesh4j.internal;
