package io.mesh4j.examples;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.okhttp.MeshException;
import io.mesh4j.okhttp.MeshOkHttp;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The mesh in an OkHttp client, nothing else: calls to {@code http://inventory/...} go to two
 * endpoints weighted 3:1, with retries on another endpoint and outlier detection.
 * {@code java -cp examples/target/mesh4j-demo.jar io.mesh4j.examples.ClientOnlyExample 127.0.0.1:8081 127.0.0.1:8082}
 */
public final class ClientOnlyExample {
  /** The whole mesh config; {@code %s} are the two endpoints. Usually a mesh.yaml file. */
  public static final String CONFIG = """
      version: 1
      service: shop
      clusters:
        - name: inventory
          endpoints:
            - { address: %s, weight: 3 }
            - { address: %s, weight: 1 }
          retry: { attempts: 3 }                          # a failed try goes to the other endpoint
          outlier_detection: { consecutive_gateway_failure: 2 }
      """;

  private ClientOnlyExample() {}

  public static void main(String[] args) throws IOException {
    String a = args.length > 0 ? args[0] : "127.0.0.1:8081";
    String b = args.length > 1 ? args[1] : "127.0.0.1:8082";
    try (Mesh mesh = Mesh.of(ConfigLoader.load(CONFIG.formatted(a, b)))) {
      OkHttpClient client = MeshOkHttp.wrap(new OkHttpClient(), mesh);   // the one line
      fetch(client, 8).forEach(System.out::println);
    }
  }

  /** GETs {@code http://inventory/api/items} {@code calls} times; one line per call. */
  public static List<String> fetch(OkHttpClient client, int calls) throws IOException {
    Request request = new Request.Builder().url("http://inventory/api/items").build();
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      try (Response response = client.newCall(request).execute()) {
        lines.add(response.code() + " " + response.body().string().strip());
      } catch (MeshException e) {       // no endpoint left, circuit open, ...: says why and where
        lines.add("failed: " + e.getMessage());
      }
    }
    return lines;
  }
}
