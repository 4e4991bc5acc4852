package io.mesh4j.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendServerTest {
  private static BackendServer backends;
  private static OkHttpClient client;

  @BeforeAll
  static void start() {
    backends = BackendServer.start(3);
    client = HttpClients.newClient();
  }

  @AfterAll
  static void stop() {
    HttpClients.shutdown(client);
    backends.close();
  }

  private static Response get(int port, String path) throws IOException {
    return client.newCall(HttpClients.get("http://127.0.0.1:" + port + path)).execute();
  }

  @Test
  void eachInstanceAnswersGetWithItsOwnHundredByteBody() throws IOException {
    int[] ports = backends.ports();
    assertThat(ports).hasSize(3).doesNotHaveDuplicates();
    for (int i = 0; i < 3; i++) {
      try (Response r = get(ports[i], "/items?x=1")) {
        byte[] body = r.body().bytes();
        assertThat(r.code()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("text/plain");
        assertThat(r.header("Content-Length")).isEqualTo("100");
        assertThat(body).hasSize(BackendServer.BODY_LENGTH).isEqualTo(BackendServer.body(i));
        assertThat(new String(body, StandardCharsets.US_ASCII)).startsWith("backend " + i + " ...").endsWith(".\n");
      }
    }
  }

  @Test
  void aBackendWithAServiceTimeAnswersGetNoSoonerAndItsHealthCheckAtOnce() throws IOException {
    try (BackendServer slow = BackendServer.start(2, new long[] {0, 20})) {
      int port = slow.ports()[1];
      try (Response r = get(port, "/health")) {
        assertThat(r.body().string()).isEqualTo("ok\n");
      }
      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime();
        try (Response r = get(port, "/")) {
          assertThat(r.code()).isEqualTo(200);
          assertThat(r.body().bytes()).isEqualTo(BackendServer.body(1));
        }
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(20_000_000L);
      }
    }
    assertThatThrownBy(() -> BackendServer.start(2, new long[] {1}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("service times: 1");
  }

  @Test
  void healthAnswersOk() throws IOException {
    try (Response r = get(backends.ports()[1], "/health")) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.body().string()).isEqualTo("ok\n");
    }
  }

  @Test
  void otherMethodsAreNotAllowed() throws IOException {
    Request post = new Request.Builder().url("http://127.0.0.1:" + backends.ports()[0] + "/")
        .post(RequestBody.create(new byte[] {1})).build();
    try (Response r = client.newCall(post).execute()) {
      assertThat(r.code()).isEqualTo(405);
    }
  }

  @Test
  void sequentialCallsReuseOneConnection() throws IOException {
    OkHttpClient fresh = HttpClients.newClient();
    try {
      long before = backends.connectionsOpened();
      for (int i = 0; i < 20; i++) {
        assertThat(HttpClients.exchange(fresh, HttpClients.get("http://127.0.0.1:" + backends.ports()[2] + "/"), new byte[256])).isTrue();
      }
      assertThat(backends.connectionsOpened() - before).isEqualTo(1);
    } finally {
      HttpClients.shutdown(fresh);
    }
  }

  @Test
  void aCountOutsideOneToSixteenIsRejected() {
    assertThatThrownBy(() -> BackendServer.start(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("count: 0 (expected: 1-16)");
  }

  @Test
  void inItsOwnJvmItPrintsItsPortsAndStopsWhenStdinCloses(@TempDir Path dir) throws IOException {
    BackendProcess process = BackendProcess.start(2, dir.resolve("err.log"));
    int[] ports = process.ports();
    try {
      assertThat(ports).hasSize(2);
      try (Response r = get(ports[1], "/")) {
        assertThat(r.body().bytes()).isEqualTo(BackendServer.body(1));
      }
    } finally {
      process.close();
    }
    assertThat(process.isAlive()).isFalse();
    assertThat(process.exitValue()).as("exited by itself, not killed").isZero();
    assertThat(Files.readString(dir.resolve("err.log"))).doesNotContain("Exception");
  }
}
