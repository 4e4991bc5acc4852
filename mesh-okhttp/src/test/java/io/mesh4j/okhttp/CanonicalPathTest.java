package io.mesh4j.okhttp;

import static io.mesh4j.okhttp.TestSupport.assertNoLeaks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.Mesh;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, client side: outbound routes match the canonical path ({@link
 * io.mesh4j.route.RequestPath}) and what is sent is what was matched. OkHttp resolves dot segments
 * itself but neither percent-encoded unreserved characters nor {@code ;} parameters.
 */
class CanonicalPathTest {
  Backend internal;
  Backend rest;
  Mesh mesh;
  OkHttpClient client;

  @BeforeEach
  void start() {
    internal = new Backend().otherwise(200, "internal");
    rest = new Backend().otherwise(200, "rest");
    mesh = TestSupport.meshBuilder("""
        version: 1
        service: frontend
        clusters:
          - { name: internal, endpoints: [{ address: %s }] }
          - { name: rest, endpoints: [{ address: %s }] }
        outbound:
          virtual_hosts:
            - name: svc
              domains: [svc]
              routes:
                - name: internal
                  match: { path_separated_prefix: /internal }
                  to: internal
                - name: rest
                  match: { prefix: / }
                  to: rest
        """.formatted(internal.address(), rest.address())).build();
    client = MeshOkHttp.wrap(new OkHttpClient(), mesh);
  }

  @AfterEach
  void stop() {
    assertNoLeaks(client);
    mesh.close();
    internal.close();
    rest.close();
  }

  private String call(String path) throws IOException {
    try (Response r = client.newCall(new Request.Builder().url("http://svc" + path).build()).execute()) {
      return r.code() + " " + r.body().string();
    }
  }

  @Test
  void everySpellingOfAPathIsRoutedAndSentAsTheOneCanonicalPath() throws Exception {
    List<String> targets = new ArrayList<>();
    for (String p : List.of("/internal/x", "/%69nternal/x", "/%69%6Eternal/x",
        "/internal;v=1/x", "//internal//x", "/a/%2e%2e/internal/x")) {
      assertThat(call(p)).as(p).isEqualTo("200 internal");
      RecordedRequest seen = internal.take();
      targets.add(seen.getTarget());
    }
    assertThat(targets).containsExactly("/internal/x", "/internal/x", "/internal/x",
        "/internal;v=1/x", "/internal/x", "/internal/x");
    assertThat(rest.count()).isZero();
  }

  @Test
  void aPathWithoutASafeFormIsRefusedAndNothingIsSent() {
    for (String p : List.of("/internal%2Fx", "/a%5Cb", "/a/%00")) {
      assertThatThrownBy(() -> call(p)).as(p).isInstanceOfSatisfying(MeshException.class,
          e -> assertThat(e.reason()).isEqualTo(MeshException.Reason.INVALID_PATH));
    }
    assertThat(internal.count()).isZero();
    assertThat(rest.count()).isZero();
  }
}
