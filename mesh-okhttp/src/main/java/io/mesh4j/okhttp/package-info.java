/**
 * The mesh inside an OkHttp client. Start with {@link io.mesh4j.okhttp.MeshOkHttp#wrap}: one
 * application interceptor that routes mesh calls (by authority) to picked endpoints with retries,
 * timeouts, circuit breaking, mirroring, fault injection, header propagation and metrics, and
 * lets every other call through untouched. Mesh failures are {@link
 * io.mesh4j.okhttp.MeshException}s. {@link io.mesh4j.okhttp.OkHttpHealthProbe} is the {@code http}
 * health probe, registered through {@link java.util.ServiceLoader}. Everything else is
 * package-private; docs/okhttp.md has the full contract.
 */
package io.mesh4j.okhttp;
