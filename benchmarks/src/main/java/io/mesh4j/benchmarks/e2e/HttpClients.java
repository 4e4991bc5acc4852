package io.mesh4j.benchmarks.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** The one OkHttp set-up every scenario starts from, so they differ only in what they compare. */
final class HttpClients {
  /** Enough idle connections that concurrency 64 never closes and reopens one between calls. */
  static final int MAX_IDLE_CONNECTIONS = 256;

  private HttpClients() {}

  /** A new client with its own connection pool (keep-alive 5 min) and 10 s timeouts. */
  static OkHttpClient newClient() {
    return new OkHttpClient.Builder()
        .connectionPool(new ConnectionPool(MAX_IDLE_CONNECTIONS, 5, TimeUnit.MINUTES))
        .connectTimeout(Duration.ofSeconds(10))
        .readTimeout(Duration.ofSeconds(10))
        .writeTimeout(Duration.ofSeconds(10))
        .build();
  }

  /** A prebuilt, reusable {@code GET} of {@code url}. */
  static Request get(String url) {
    return new Request.Builder().url(url).get().build();
  }

  /**
   * Executes {@code request} synchronously on the calling thread and drains the body into {@code
   * buffer}.
   *
   * @return true when the status was 200
   */
  static boolean exchange(OkHttpClient client, Request request, byte[] buffer) throws IOException {
    try (Response response = client.newCall(request).execute()) {
      InputStream in = response.body().byteStream();
      while (in.read(buffer) != -1) {
        // Drain: the connection is reused only after the body was read to its end.
      }
      return response.code() == 200;
    }
  }

  /** Shuts down the client's pool and dispatcher; never throws. */
  static void shutdown(OkHttpClient client) {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
