package io.mesh4j.servlet;

import static io.mesh4j.servlet.Fixtures.servlet;
import static io.mesh4j.servlet.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.time.FakeTime;
import java.util.Collections;
import java.util.stream.Collectors;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every header accessor of the application's request shows after a route's header changes. */
class MeshRequestHeadersTest {
  static final String CONFIG = """
      version: 1
      service: shop
      inbound:
        virtual_hosts:
          - name: self
            domains: ["*"]
            routes:
              - name: app
                match: { prefix: / }
                headers:
                  add: { X-Added: "42", x-date: "Sun, 06 Nov 1994 08:49:37 GMT", x-multi: third }
                  remove: [x-removed, X-DATE]
                pass: {}
      """;

  final OkHttpClient client = Fixtures.client();
  Mesh mesh;
  JettyServer server;

  @BeforeEach
  void start() throws Exception {
    mesh = Fixtures.mesh(CONFIG, new FakeTime());
    server = JettyServer.builder(new MeshFilter(mesh)).servlet("/*", servlet((req, res) -> {
      String names = Collections.list(req.getHeaderNames()).stream().map(String::toLowerCase)
          .filter(n -> n.startsWith("x-")).sorted().collect(Collectors.joining(","));
      write(res, 200, String.join("\n",
          "names=" + names,
          "getHeader(X-ADDED)=" + req.getHeader("X-ADDED"),
          "getIntHeader(x-added)=" + req.getIntHeader("x-added"),
          "getDateHeader(x-date)=" + req.getDateHeader("x-date"),
          "getHeader(x-removed)=" + req.getHeader("x-removed"),
          "getHeaders(x-removed)=" + Collections.list(req.getHeaders("x-removed")),
          "getHeaders(x-multi)=" + Collections.list(req.getHeaders("x-multi")),
          "getIntHeader(x-absent)=" + req.getIntHeader("x-absent"),
          "getHeader(x-request-id)=" + req.getHeader("x-request-id").length() + " chars"));
    })).start();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    mesh.close();
  }

  @Test
  void everyAccessorSeesRemovalsThenAdditions() throws Exception {
    Request r = new Request.Builder().url(server.url("/x"))
        .addHeader("x-removed", "a").addHeader("x-removed", "b")
        .addHeader("x-multi", "first").addHeader("x-multi", "second")
        .addHeader("x-date", "Mon, 01 Jan 2024 00:00:00 GMT").addHeader("x-kept", "k").build();
    try (Response res = client.newCall(r).execute()) {
      assertThat(res.body().string()).isEqualTo("""
          names=x-added,x-date,x-kept,x-multi,x-request-id
          getHeader(X-ADDED)=42
          getIntHeader(x-added)=42
          getDateHeader(x-date)=784111777000
          getHeader(x-removed)=null
          getHeaders(x-removed)=[]
          getHeaders(x-multi)=[first, second, third]
          getIntHeader(x-absent)=-1
          getHeader(x-request-id)=32 chars""");
    }
  }
}
