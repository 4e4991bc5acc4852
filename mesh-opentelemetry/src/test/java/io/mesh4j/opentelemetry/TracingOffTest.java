package io.mesh4j.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.context.MeshContext;
import io.mesh4j.observe.ServerSpan;
import io.mesh4j.okhttp.MeshOkHttp;
import io.mesh4j.servlet.MeshFilter;
import io.opentelemetry.api.trace.Span;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * A mesh built without a tracer, in real Jetty and OkHttp: no span in the request's context or in
 * OpenTelemetry's, and nothing injected on the way out; the inbound trace headers go on only when
 * {@code propagate.headers} lists them, unchanged.
 */
class TracingOffTest {

  @Test
  void withoutATracerNothingIsTracedOrInjectedAndPropagatedHeadersPassUnchanged() throws Exception {
    String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    try (Mesh backendMesh = Mesh.builder().config(ConfigLoader.load("version: 1\nservice: b\n")).build();
        JettyServer backend = JettyServer.start(new MeshFilter(backendMesh), Map.of("/*", new HttpServlet() {
          @Override
          protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
            res.getWriter().print(req.getHeader("traceparent") + " " + req.getHeader("grpc-timeout"));
          }
        }))) {
      for (boolean propagated : new boolean[] {false, true}) {
        try (Mesh mesh = Mesh.builder().config(ConfigLoader.load("""
            version: 1
            service: f
            clusters:
              - name: backend
                endpoints: [{ address: 127.0.0.1:%d }]
            propagate:
              headers: [%s]
            """.formatted(backend.port(), propagated ? "traceparent" : ""))).build()) {
          OkHttpClient client = MeshOkHttp.wrap(new OkHttpClient(), mesh);
          try (JettyServer front = JettyServer.start(new MeshFilter(mesh), Map.of("/*", new HttpServlet() {
                @Override
                protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
                  String seen = (MeshContext.current().span() == ServerSpan.NOOP) + " "
                      + Span.current().getSpanContext().isValid() + " ";
                  try (Response r = client.newCall(new Request.Builder().url("http://backend/x")
                      .build()).execute()) {
                    res.getWriter().print(seen + r.body().string());
                  }
                }
              }));
              Response r = new OkHttpClient().newCall(new Request.Builder().url(front.url("/go"))
                  .header("traceparent", traceparent).build()).execute()) {
            assertThat(mesh.tracer().isEnabled()).isFalse();
            assertThat(r.body().string()).isEqualTo(
                "true false " + (propagated ? traceparent : "null") + " null");
          }
        }
      }
    }
  }
}
