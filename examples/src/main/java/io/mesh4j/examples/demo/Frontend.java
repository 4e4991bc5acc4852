package io.mesh4j.examples.demo;

import io.mesh4j.Mesh;
import io.mesh4j.okhttp.MeshException;
import io.mesh4j.okhttp.MeshOkHttp;
import io.mesh4j.servlet.MeshFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.eclipse.jetty.server.Server;

/**
 * The {@code frontend} service: a servlet application behind {@link MeshFilter} whose handler
 * calls {@code http://inventory/...} through a {@link MeshOkHttp}-wrapped client and relays which
 * instance answered. The handler contains no mesh logic at all: picking, retries, routing on
 * {@code x-canary} and carrying that header upstream are the mesh's. It also answers its legacy
 * pages ({@code /legacy/...}) itself. Requests the config's inbound routes forward to a cluster
 * ({@code /v2/...} in the built-in config) never reach the handler: MeshFilter hands them to the
 * {@code mesh-gateway} forwarder it finds on the class path. Thread-safe.
 */
final class Frontend {
  /**
   * The {@code x-served-by} value of answers the frontend's own servlet gives (its legacy pages),
   * and the name predictions use for the local application.
   */
  static final String APP = "frontend";

  private final Mesh mesh;
  private final OkHttpClient client;
  private final AtomicLong shopRequests = new AtomicLong();
  private final ConcurrentHashMap<String, LongAdder> byPath = new ConcurrentHashMap<>();
  private final AtomicLong otherRequests = new AtomicLong();
  private volatile Server server;

  Frontend(Mesh mesh) {
    this.mesh = mesh;
    this.client = MeshOkHttp.wrap(new OkHttpClient(), mesh);
    for (RequestKind k : RequestKind.values()) byPath.putIfAbsent(k.path, new LongAdder());
  }

  /** Starts it on 127.0.0.1:{@code port} (0: any free port). */
  void start(int port) throws IOException {
    server = Jetty.start("frontend", port, Jetty.app(new MeshFilter(mesh), new Shop()));
  }

  int port() {
    return Jetty.port(server);
  }

  /** Requests the application handled under {@code /shop/}. */
  long shopRequests() {
    return shopRequests.get();
  }

  /**
   * Requests for exactly {@code path} (no query) that reached the application's servlet; counted
   * for the paths of the {@link RequestKind}s only (0 for any other).
   */
  long requests(String path) {
    LongAdder n = byPath.get(path);
    return n == null ? 0 : n.sum();
  }

  /**
   * Requests that reached the application outside {@code /shop/} and {@code /legacy/} (answered
   * 404 by it).
   */
  long otherRequests() {
    return otherRequests.get();
  }

  void stop() {
    Jetty.stopQuietly(server);
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  private final class Shop extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
      LongAdder seen = byPath.get(req.getRequestURI());
      if (seen != null) seen.increment();
      String upstream = RequestKind.upstreamFor(req.getRequestURI());
      if (upstream == null && req.getRequestURI().startsWith(RequestKind.LEGACY_PREFIX)) {
        // The legacy pages: the application's own, no upstream call. The mesh's `legacy` route
        // passes them here, while its `v2` route forwards /v2/ elsewhere before this servlet.
        res.setHeader(Instance.SERVED_BY, APP);
        write(res, 200, "frontend: " + req.getRequestURI() + " from the legacy application\n");
        return;
      }
      if (upstream == null) {
        otherRequests.incrementAndGet();
        write(res, 404, "frontend: no such page\n");
        return;
      }
      shopRequests.incrementAndGet();
      // A plain call to a logical name. The mesh picks the instance, retries, routes x-canary
      // (carried over from this request by MeshFilter, not by this code) and measures it all.
      Request call = new Request.Builder().url("http://inventory" + upstream).build();
      try (Response answer = client.newCall(call).execute()) {
        relay(answer, res, Instance.SERVED_BY);
        relay(answer, res, Instance.SAW_CANARY);
        String servedBy = answer.header(Instance.SERVED_BY, "?");
        write(res, answer.code(), "frontend: items from " + servedBy + "\n" + answer.body().string());
      } catch (MeshException e) {
        write(res, 502, "frontend: " + e.getMessage() + "\n");
      } catch (IOException e) {
        write(res, 502, "frontend: inventory call failed: " + e + "\n");
      }
    }

    private void relay(Response from, HttpServletResponse to, String header) {
      String value = from.header(header);
      if (value != null) to.setHeader(header, value);
    }

    private void write(HttpServletResponse res, int status, String body) throws IOException {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      res.setStatus(status);
      res.setContentType("text/plain;charset=utf-8");
      res.setContentLength(bytes.length);
      res.getOutputStream().write(bytes);
    }
  }
}
