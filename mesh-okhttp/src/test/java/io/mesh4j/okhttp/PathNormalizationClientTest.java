package io.mesh4j.okhttp;

import static io.mesh4j.okhttp.TestSupport.assertNoLeaks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.Mesh;
import io.mesh4j.metrics.MeshMetricNames;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, client side, {@code path_normalization}: what the upstream (a real MockWebServer on
 * loopback) received under each option, and {@code invalid-path} in {@code mesh.client.requests}.
 * OkHttp itself resolves dot segments (also {@code %2e%2e}) when the URL is built, before the
 * interceptor sees it; the options govern everything else.
 */
class PathNormalizationClientTest {
  Backend internal;
  Backend rest;
  Mesh mesh;
  OkHttpClient client;
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  void start(String options, boolean followRedirects) {
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
        path_normalization: %s
        """.formatted(internal.address(), rest.address(), options))
        .meterRegistry(registry).build();
    client = MeshOkHttp.wrap(
        new OkHttpClient.Builder().followRedirects(followRedirects).build(), mesh);
  }

  @AfterEach
  void stop() {
    assertNoLeaks(client);
    mesh.close();
    internal.close();
    rest.close();
  }

  private String call(String path) throws IOException {
    try (Response r = client.newCall(new Request.Builder().url("http://svc" + path).build())
        .execute()) {
      String location = r.header("Location");
      return r.code() + " " + r.body().string() + (location == null ? "" : " -> " + location);
    }
  }

  private long invalidPaths() {
    Timer t = registry.find(MeshMetricNames.CLIENT_REQUESTS)
        .tag(MeshMetricNames.TAG_OUTCOME, "invalid-path").timer();
    return t == null ? 0 : t.count();
  }

  @Test
  void defaultsRefuseAnEscapedSlashSendNothingAndRecordInvalidPath() {
    start("{}", true);
    assertThatThrownBy(() -> call("/internal%2Fx"))
        .isInstanceOfSatisfying(MeshException.class, e -> {
          assertThat(e.reason()).isEqualTo(MeshException.Reason.INVALID_PATH);
          assertThat(e.getMessage()).contains("escaped-slash");
        });
    assertThat(invalidPaths()).isEqualTo(1);
    assertThat(internal.count() + rest.count()).isZero();
  }

  @Test
  void keepUnchangedRoutesAndSendsTheEscapeAsOneSegment() throws Exception {
    start("{ path_with_escaped_slashes_action: keep_unchanged }", true);
    assertThat(call("/internal%2fx")).isEqualTo("200 rest");
    assertThat(rest.take().getTarget()).isEqualTo("/internal%2Fx");
    assertThat(internal.count()).isZero();
  }

  @Test
  void unescapeAndForwardRoutesAndSendsTheUnescapedPath() throws Exception {
    start("{ path_with_escaped_slashes_action: unescape_and_forward }", true);
    assertThat(call("/internal%2Fx;v=1")).isEqualTo("200 internal");
    assertThat(internal.take().getTarget()).isEqualTo("/internal/x;v=1");
    assertThat(rest.count()).isZero();
  }

  @Test
  void unescapeAndRedirectAnswers307WhichTheClientFollowsToTheUnescapedPath() throws Exception {
    start("{ path_with_escaped_slashes_action: unescape_and_redirect }", false);
    assertThat(call("/internal%2Fx?q=1")).isEqualTo("307  -> http://svc/internal/x?q=1");
    assertThat(internal.count() + rest.count()).isZero();
    stop();

    start("{ path_with_escaped_slashes_action: unescape_and_redirect }", true);
    assertThat(call("/internal%2Fx?q=1")).isEqualTo("200 internal");
    assertThat(internal.take().getTarget()).isEqualTo("/internal/x?q=1");
    assertThat(rest.count()).isZero();
  }

  @Test
  void withoutNormalizationAnEscapedUnreservedCharacterIsRefusedNotSent() throws Exception {
    start("{ normalize_path: false }", true);
    assertThatThrownBy(() -> call("/%69nternal/x"))
        .isInstanceOfSatisfying(MeshException.class,
            e -> assertThat(e.getMessage()).contains("escaped-unreserved"));
    assertThat(invalidPaths()).isEqualTo(1);
    assertThat(internal.count() + rest.count()).isZero();
    // OkHttp resolved this one before the mesh saw it.
    assertThat(call("/a/%2e%2e/internal/x")).isEqualTo("200 internal");
    assertThat(internal.take().getTarget()).isEqualTo("/internal/x");
  }

  @Test
  void withoutMergingEmptySegmentsAreRoutedOnAndSentAsTheyCame() throws Exception {
    start("{ merge_slashes: false }", true);
    assertThat(call("//internal//x")).isEqualTo("200 rest");
    assertThat(rest.take().getTarget()).isEqualTo("//internal//x");
    assertThat(internal.count()).isZero();
  }
}
