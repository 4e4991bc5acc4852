package io.mesh4j.okhttp;

import io.mesh4j.config.HealthCheckConfig;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.health.HealthProbe;
import io.mesh4j.health.ProbeResult;
import io.mesh4j.health.ProbeTls;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.CertificatePinner;
import okhttp3.ConnectionPool;
import okhttp3.ConnectionSpec;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The {@code http} health probe: {@code GET http://<endpoint><path>}, judged by its status
 * against the cluster's {@code expected_statuses}. Found by {@link java.util.ServiceLoader}
 * through {@link OkHttpHealthProbeProvider}, so {@code Mesh.fromFile} uses it out of the box.
 *
 * <ul>
 *   <li>Asynchronous: {@link #probe} enqueues the call and returns at once; it never blocks the
 *       mesh's scheduler thread. Calls run on the probe's own daemon threads ({@code
 *       mesh4j-http-probe-N}), never on an application client's dispatcher.
 *   <li>Connections are kept alive and reused between checks (its own pool, 64 idle connections
 *       for up to a minute), as Envoy's HTTP health checker does.
 *   <li>The check's {@code timeout} is the call's whole timeout (connect, send, headers). Only the
 *       status line and headers matter: the body is not read.
 *   <li>An endpoint that cannot be reached, refuses, resets or times out is an {@link
 *       ProbeResult#unhealthy unhealthy} result, never an exceptional stage. No retries, no
 *       redirects followed: a 3xx is judged as a status.
 *   <li>Requests carry {@code User-Agent: mesh4j-health-check} and {@code Host: <endpoint
 *       address>}.
 * </ul>
 *
 * <p>Thread-safe. {@link #close()} stops its threads and closes its idle connections.
 */
public final class OkHttpHealthProbe implements HealthProbe, AutoCloseable {
  /** The {@code User-Agent} of probe requests. */
  public static final String USER_AGENT = "mesh4j-health-check";

  private static final AtomicInteger THREADS = new AtomicInteger();

  private static final int MAX_TLS_CLIENTS = 64;

  private final OkHttpClient client;
  private final ThreadPoolExecutor executor;
  private final ConcurrentHashMap<ProbeTls, OkHttpClient> tlsClients = new ConcurrentHashMap<>();

  /**
   * A probe with its own small client (no interceptors, no cookies, no cache). The client is
   * cleartext-only: building it loads no TLS classes and no trust store (tens of milliseconds of
   * CPU at mesh build otherwise); checks of a {@code tls} cluster derive a TLS client from it the
   * first time they run, with the cluster's own trust, never the JDK's.
   */
  public OkHttpHealthProbe() {
    this(new OkHttpClient.Builder().connectionSpecs(List.of(ConnectionSpec.CLEARTEXT)).build());
  }

  /**
   * A probe whose client is derived from {@code base}: same TLS, DNS, proxy, socket factory,
   * timeouts and network interceptors; but none of its application interceptors (a mesh
   * interceptor among them), no retries, no redirects, and its own threads and pool.
   */
  public OkHttpHealthProbe(OkHttpClient base) {
    Objects.requireNonNull(base, "base");
    this.executor =
        new ThreadPoolExecutor(
            0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
            r -> {
              Thread t = new Thread(r, "mesh4j-http-probe-" + THREADS.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    Dispatcher dispatcher = new Dispatcher(executor);
    dispatcher.setMaxRequests(256);
    dispatcher.setMaxRequestsPerHost(256); // loopback endpoints share one host
    OkHttpClient.Builder b = base.newBuilder();
    b.interceptors().clear();
    this.client =
        b.dispatcher(dispatcher)
            .connectionPool(new ConnectionPool(64, 1, TimeUnit.MINUTES))
            .retryOnConnectionFailure(false)
            .followRedirects(false)
            .followSslRedirects(false)
            .cookieJar(okhttp3.CookieJar.NO_COOKIES)
            .cache(null)
            .callTimeout(Duration.ZERO)
            .build();
  }

  @Override
  public CompletionStage<ProbeResult> probe(Endpoint endpoint, HealthCheckConfig config) {
    return check("http://", client, endpoint, config);
  }

  /**
   * {@code GET https://<endpoint><path>} over the cluster's TLS: the workload's certificate
   * presented, the server's identity verified by {@code tls} (not its host name), as the cluster's
   * requests are. A server that refuses the certificate, or presents an identity the cluster does
   * not accept, fails the check.
   */
  @Override
  public CompletionStage<ProbeResult> probe(
      Endpoint endpoint, HealthCheckConfig config, ProbeTls tls) {
    return check("https://", tlsClient(tls), endpoint, config);
  }

  /** One client per cluster TLS (shared pool, threads and settings); a reload replaces them. */
  private OkHttpClient tlsClient(ProbeTls tls) {
    OkHttpClient c = tlsClients.get(tls);
    if (c != null) return c;
    if (tlsClients.size() >= MAX_TLS_CLIENTS) tlsClients.clear(); // only replaced ones pile up
    return tlsClients.computeIfAbsent(tls, t -> client.newBuilder()
        .connectionSpecs(List.of(ConnectionSpec.MODERN_TLS))
        .sslSocketFactory(t.socketFactory(), t.trustManager())
        .hostnameVerifier(AttemptClients.IDENTITY_VERIFIED)
        .certificatePinner(CertificatePinner.DEFAULT)
        .build());
  }

  private CompletionStage<ProbeResult> check(
      String scheme, OkHttpClient client, Endpoint endpoint, HealthCheckConfig config) {
    HttpUrl url = HttpUrl.parse(scheme + endpoint.address() + config.path());
    if (url == null) {
      return CompletableFuture.completedFuture(
          ProbeResult.unhealthy("not a valid URL: " + scheme + endpoint.address() + config.path()));
    }
    Request request =
        new Request.Builder().url(url).header("User-Agent", USER_AGENT).get().build();
    Call call = client.newCall(request);
    call.timeout().timeout(Math.max(1, config.timeout().toNanos()), TimeUnit.NANOSECONDS);
    CompletableFuture<ProbeResult> result = new CompletableFuture<>();
    try {
      call.enqueue(
          new Callback() {
            @Override
            public void onResponse(Call c, Response response) {
              int code = response.code();
              response.close();
              result.complete(
                  code >= 100 && code <= 599
                      ? ProbeResult.status(code)
                      : ProbeResult.unhealthy("status " + code));
            }

            @Override
            public void onFailure(Call c, IOException e) {
              result.complete(ProbeResult.unhealthy(describe(e)));
            }
          });
    } catch (RuntimeException e) {
      result.complete(ProbeResult.unhealthy("probe closed: " + e));
    }
    return result;
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + m;
  }

  /** Cancels checks in flight, stops the probe's threads and closes its idle connections. Idempotent. */
  @Override
  public void close() {
    client.dispatcher().cancelAll();
    executor.shutdown();
    client.connectionPool().evictAll();
  }
}
