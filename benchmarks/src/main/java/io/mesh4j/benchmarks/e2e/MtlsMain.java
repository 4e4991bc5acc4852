package io.mesh4j.benchmarks.e2e;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.identity.IdentitySource;
import io.mesh4j.identity.TestPki;
import io.mesh4j.internal.MeshInternals;
import io.mesh4j.okhttp.MeshOkHttp;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.Handshake;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Issue 18's measurement ({@code benchmarks/run-e2e.sh --mtls}): the same mesh4j client ({@link
 * MeshOkHttp#wrap}, one cluster, one route) to the same 127.0.0.1 backend JVM ({@link
 * MtlsBackend}), once over plaintext and once over mutual TLS with SPIFFE IDs ({@code tls: { mode:
 * mutual, verify: { spiffe_ids } }} from PEM files, the backend requiring a client certificate),
 * interleaved in one run at each concurrency, closed loop ({@link ClosedLoop}) with connection
 * reuse.
 *
 * <p>Per cell: requests per second, p50/p99 latency, client CPU per request (the whole driver
 * JVM), backend CPU per request (the backend JVM, from {@code /proc}), and TLS handshakes: counted
 * by the backend ({@code SslHandshakeListener}) and by the client ({@code secureConnectEnd} of an
 * OkHttp {@link EventListener}), per 10,000 requests. Then the cost of one identity rotation: both
 * sides get a new certificate from the same CA in the middle of a measured mTLS window at
 * concurrency 16 (PEM files rewritten atomically, picked up by polling), and the handshakes of
 * that window are counted.
 *
 * <p>The backend has no health checks configured on the client (their probe connections would be
 * counted as handshakes); otherwise the mesh runs its default policy.
 */
public final class MtlsMain {
  static final String CLIENT_ID = "spiffe://bench.test/ns/bench/sa/client";
  static final String SERVER_ID = "spiffe://bench.test/ns/bench/sa/backend";
  /**
   * A file to record a JFR profile of the backend JVM to (settings {@code profile} with {@code
   * method-profiling=max}: a 1 ms sampling period; stacks up to 256 frames), written when it
   * stops; e.g. {@code E2E_JAVA_OPTS=-Dmesh4j.bench.mtls.backend.jfr=/tmp/backend.jfr}. The
   * cells' start and end times (epoch ms) are printed on standard error, to split the profile
   * per cell ({@code benchmarks/tools/JfrShares.java}).
   */
  static final String BACKEND_JFR_PROPERTY = "mesh4j.bench.mtls.backend.jfr";

  private final int[] concurrency;
  private final Duration warmup;
  private final Duration measure;
  private final int rounds;
  private final Duration prime;
  private final boolean floor;
  private final PrintStream out;

  private MtlsMain(int[] concurrency, Duration warmup, Duration measure, int rounds,
      Duration prime, boolean floor, PrintStream out) {
    this.prime = prime;
    this.floor = floor;
    this.concurrency = concurrency;
    this.warmup = warmup;
    this.measure = measure;
    this.rounds = rounds;
    this.out = out;
  }

  /**
   * Runs the cells and prints Markdown tables.
   *
   * @param args {@code --concurrency 1,16,64 --warmup 3s --measure 8s --rounds 2 --prime 5s}
   *     (the defaults; {@code prime}: each side first runs that long at the highest concurrency,
   *     so the JIT, the crypto code and the pools are warm before any cell is measured), and
   *     {@code --floor}: two more sides, plain OkHttp without mesh4j to the same two ports (its
   *     TLS with the same client certificate, hostname not checked), interleaved with the
   *     others: what TLS costs an OkHttp client on this JDK with no mesh at all
   */
  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    int[] concurrency = {1, 16, 64};
    Duration warmup = Duration.ofSeconds(3);
    Duration measure = Duration.ofSeconds(8);
    int rounds = 2;
    Duration prime = Duration.ofSeconds(5);
    boolean floor = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--mtls")) continue;
      if (a.equals("--floor")) {
        floor = true;
        continue;
      }
      if (i + 1 >= args.length) throw new IllegalArgumentException(a + ": missing value");
      String v = args[++i];
      switch (a) {
        case "--concurrency" -> {
          String[] parts = v.split(",");
          concurrency = new int[parts.length];
          for (int j = 0; j < parts.length; j++) concurrency[j] = Integer.parseInt(parts[j].strip());
        }
        case "--warmup" -> warmup = parse(v);
        case "--measure" -> measure = parse(v);
        case "--rounds" -> rounds = Integer.parseInt(v);
        case "--prime" -> prime = parse(v);
        default -> throw new IllegalArgumentException("unknown argument: " + a);
      }
    }
    new MtlsMain(concurrency, warmup, measure, rounds, prime, floor, System.out).run();
    System.exit(0);
  }

  private static Duration parse(String v) {
    if (v.endsWith("ms")) return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
    if (v.endsWith("s")) return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
    throw new IllegalArgumentException("duration: " + v + " (expected: 10ms, 5s)");
  }

  /** The backend's counters ({@code GET /stats}). */
  record Stats(long handshakes, long tlsConnections, long plainConnections, long generation) {
    static Stats parse(String line) {
      Map<String, Long> m = new LinkedHashMap<>();
      for (String kv : line.strip().split(" ")) {
        int eq = kv.indexOf('=');
        m.put(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)));
      }
      return new Stats(m.get("handshakes"), m.get("tls_connections"),
          m.get("plain_connections"), m.get("generation"));
    }
  }

  /**
   * One side: a mesh and its wrapped client (or, for the floor, a plain OkHttp client and no
   * mesh), counting requests and the client's handshakes.
   */
  static final class Side implements Scenario {
    final String key;
    final Mesh mesh;
    final OkHttpClient client;
    final Request request;
    final AtomicLong requests = new AtomicLong();
    final LongAdder clientHandshakes = new LongAdder();
    /** The protocol and cipher suite of the last handshake, or null before the first. */
    volatile String negotiated;
    private final ProcessHandle backend;

    Side(String key, String yaml, ProcessHandle backend) {
      this(key, Mesh.builder().config(ConfigLoader.load(yaml)).build(), null, "http://backend/",
          backend);
    }

    /** A plain OkHttp side (no mesh) to {@code url}, over {@code tls} when it is not null. */
    static Side plain(String key, String url, javax.net.ssl.SSLContext tls,
        javax.net.ssl.X509TrustManager trust, ProcessHandle backend) {
      OkHttpClient.Builder b = HttpClients.newClient().newBuilder();
      if (tls != null) {
        // The floor of TLS itself: identity checks are the mesh's job and not measured here.
        b.sslSocketFactory(tls.getSocketFactory(), trust).hostnameVerifier((host, session) -> true);
      }
      return new Side(key, null, b, url, backend);
    }

    private Side(String key, Mesh mesh, OkHttpClient.Builder plainClient, String url,
        ProcessHandle backend) {
      this.key = key;
      this.backend = backend;
      this.mesh = mesh;
      this.request = HttpClients.get(url);
      LongAdder handshakes = clientHandshakes;
      EventListener counting = new EventListener() {
        @Override
        public void secureConnectEnd(Call call, Handshake handshake) {
          handshakes.increment();
          if (handshake != null) {
            negotiated = handshake.tlsVersion().javaName() + " " + handshake.cipherSuite();
          }
        }
      };
      this.client = mesh == null
          ? plainClient.eventListener(counting).build()
          : MeshOkHttp.wrap(HttpClients.newClient().newBuilder().eventListener(counting).build(),
              mesh);
    }

    @Override
    public String key() {
      return key;
    }

    @Override
    public String label() {
      return key;
    }

    @Override
    public Exchange newExchange() {
      byte[] buffer = new byte[8192];
      return () -> {
        requests.incrementAndGet();
        return HttpClients.exchange(client, request, buffer);
      };
    }

    @Override
    public long sidecarCpuNanos() {
      return ProcCpu.treeNanos(backend);
    }

    @Override
    public void close() {
      HttpClients.shutdown(client);
      if (mesh != null) mesh.close();
    }
  }

  static String yaml(int port, Path clientIdentity) {
    StringBuilder b = new StringBuilder();
    b.append("version: 1\nservice: bench-client\nclusters:\n  - name: backend\n");
    b.append("    endpoints: [127.0.0.1:").append(port).append("]\n");
    b.append("    outlier_detection: {}\n    circuit_breaker: {}\n");
    if (clientIdentity != null) {
      b.append("    tls: { mode: mutual, verify: { spiffe_ids: [\"").append(SERVER_ID)
          .append("\"] }, source: workload }\n");
      b.append("identity_sources:\n  - name: workload\n    pem: { cert_chain: ")
          .append(clientIdentity.resolve("tls.crt")).append(", private_key: ")
          .append(clientIdentity.resolve("tls.key")).append(", trust_bundle: ")
          .append(clientIdentity.resolve("ca.crt")).append(", refresh: 200ms }\n");
    }
    b.append("outbound:\n  virtual_hosts:\n    - name: backend\n      routes:\n");
    b.append("        - { name: all, match: { prefix: / }, to: backend }\n");
    return b.toString();
  }

  /** One measured cell and the handshakes around it. */
  record Cell(String side, int concurrency, int round, CellResult result, long requests,
      long serverHandshakes, long clientHandshakes) {}

  private void run() throws Exception {
    Path dir = Files.createTempDirectory("mesh4j-mtls-bench");
    TestPki.Held ca = TestPki.ca("bench CA");
    Path serverDir = Files.createDirectories(dir.resolve("server"));
    Path clientDir = Files.createDirectories(dir.resolve("client"));
    TestPki.writeIdentity(serverDir, TestPki.leaf(ca, SERVER_ID), ca);
    TestPki.Held clientLeaf = TestPki.leaf(ca, CLIENT_ID);
    TestPki.writeIdentity(clientDir, clientLeaf, ca);
    List<String> backendFlags =
        new ArrayList<>(List.of("-Xms256m", "-Xmx256m", "-XX:+UseParallelGC"));
    String jfr = System.getProperty(BACKEND_JFR_PROPERTY);
    if (jfr != null && !jfr.isBlank()) {
      backendFlags.add("-XX:FlightRecorderOptions:stackdepth=256");
      backendFlags.add(
          "-XX:StartFlightRecording=settings=profile,method-profiling=max,filename=" + jfr);
    }
    ChildJvm backend = ChildJvm.start(backendFlags, MtlsBackend.class,
        List.of(serverDir.toString()), "ports: ",
        dir.resolve("backend.log"));
    OkHttpClient statsClient = HttpClients.newClient();
    String[] ports = backend.ready().split(",");
    int plainPort = Integer.parseInt(ports[0].strip());
    int tlsPort = Integer.parseInt(ports[1].strip());
    Request statsRequest = HttpClients.get("http://127.0.0.1:" + plainPort + "/stats");
    List<Cell> cells = new ArrayList<>();
    List<Side> floorSides = new ArrayList<>();
    try (Side plain = new Side("plaintext", yaml(plainPort, null), backend.handle());
        Side mtls = new Side("mTLS", yaml(tlsPort, clientDir), backend.handle())) {
      if (floor) {
        javax.net.ssl.X509TrustManager trust = trustManager(ca);
        floorSides.add(Side.plain("OkHttp plaintext", "http://127.0.0.1:" + plainPort + "/", null,
            null, backend.handle()));
        floorSides.add(Side.plain("OkHttp TLS", "https://127.0.0.1:" + tlsPort + "/",
            sslContext(clientLeaf, ca, trust), trust, backend.handle()));
      }
      List<Side> all = new ArrayList<>(List.of(plain, mtls));
      all.addAll(floorSides);
      // Cold start: the first connections, the JIT and the crypto code; reported apart.
      List<Cell> priming = new ArrayList<>();
      for (Side side : all) {
        Stats s0 = stats(statsClient, statsRequest);
        long r0 = side.requests.get();
        long h0 = side.clientHandshakes.sum();
        CellResult r = ClosedLoop.run(side, max(concurrency), 0, prime.toNanos());
        Stats s1 = stats(statsClient, statsRequest);
        priming.add(new Cell(side.key + " priming", max(concurrency), 0, r,
            side.requests.get() - r0, s1.handshakes - s0.handshakes,
            side.clientHandshakes.sum() - h0));
      }
      Stats primed = stats(statsClient, statsRequest);
      for (int round = 1; round <= rounds; round++) {
        for (int c : concurrency) {
          List<Side> order = new ArrayList<>(all);
          if (round % 2 == 0) java.util.Collections.reverse(order);
          for (Side side : order) {
            cells.add(cell(side, c, round, statsClient, statsRequest));
          }
        }
      }
      Stats before = stats(statsClient, statsRequest);
      Rotation rotation = rotate(mtls, ca, serverDir, clientDir, statsClient, statsRequest);
      print(cells, priming, primed, before, rotation);
      out.println();
      out.println("negotiated (client's last handshake): " + mtls.negotiated);
      for (Side f : floorSides) {
        if (f.negotiated != null) out.println("negotiated (" + f.key + "): " + f.negotiated);
      }
    } finally {
      for (Side f : floorSides) f.close();
      HttpClients.shutdown(statsClient);
      backend.close();
    }
  }

  /** Trusts {@code ca} only. */
  private static javax.net.ssl.X509TrustManager trustManager(TestPki.Held ca) throws Exception {
    java.security.KeyStore trusted = java.security.KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("ca", ca.certificate());
    javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
        javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    return (javax.net.ssl.X509TrustManager) tmf.getTrustManagers()[0];
  }

  /** The JDK's default TLS context presenting {@code leaf} (chain to {@code ca}). */
  private static javax.net.ssl.SSLContext sslContext(TestPki.Held leaf, TestPki.Held ca,
      javax.net.ssl.X509TrustManager trust) throws Exception {
    char[] password = "bench".toCharArray();
    java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("client", leaf.keys().getPrivate(), password,
        new java.security.cert.Certificate[] {leaf.certificate(), ca.certificate()});
    javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
        javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, password);
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), new javax.net.ssl.TrustManager[] {trust}, null);
    return ctx;
  }

  private Cell cell(Side side, int c, int round, OkHttpClient statsClient, Request statsRequest)
      throws Exception {
    Stats s0 = stats(statsClient, statsRequest);
    long r0 = side.requests.get();
    long h0 = side.clientHandshakes.sum();
    long start = System.currentTimeMillis();
    CellResult r = ClosedLoop.run(side, c, warmup.toNanos(), measure.toNanos());
    long end = System.currentTimeMillis();
    Stats s1 = stats(statsClient, statsRequest);
    System.err.printf(Locale.ROOT, "%s c=%d round %d: %.0f req/s, p99 %.0f us, %d requests"
            + " (epoch ms %d-%d, measured from %d)%n", side.key, c, round, r.throughput(),
        r.latencyMicros(99), side.requests.get() - r0, start, end, start + warmup.toMillis());
    return new Cell(side.key, c, round, r, side.requests.get() - r0,
        s1.handshakes - s0.handshakes, side.clientHandshakes.sum() - h0);
  }

  /** What one rotation of both sides cost. */
  record Rotation(Cell cell, long clientGenerationBefore, long clientGenerationAfter,
      long serverGenerationBefore, long serverGenerationAfter, long handshakesAfterEvict) {}

  private Rotation rotate(Side mtls, TestPki.Held ca, Path serverDir, Path clientDir,
      OkHttpClient statsClient, Request statsRequest) throws Exception {
    IdentitySource source = MeshInternals.tls(mtls.mesh).source("workload");
    long clientBefore = source.current().generation();
    long serverBefore = stats(statsClient, statsRequest).generation;
    int c = 16;
    Stats s0 = stats(statsClient, statsRequest);
    long r0 = mtls.requests.get();
    long h0 = mtls.clientHandshakes.sum();
    Throwable[] failed = new Throwable[1];
    Thread rotator = new Thread(() -> {
      try {
        LockSupport.parkNanos(warmup.toNanos() + measure.toNanos() / 2);
        TestPki.writeIdentity(serverDir, TestPki.leaf(ca, SERVER_ID), ca);
        TestPki.writeIdentity(clientDir, TestPki.leaf(ca, CLIENT_ID), ca);
      } catch (Throwable t) {
        failed[0] = t;
      }
    }, "rotator");
    rotator.start();
    CellResult r = ClosedLoop.run(mtls, c, warmup.toNanos(), measure.toNanos());
    rotator.join();
    if (failed[0] != null) throw new IllegalStateException("rotation failed", failed[0]);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while ((source.current().generation() == clientBefore
        || stats(statsClient, statsRequest).generation == serverBefore)
        && System.nanoTime() - deadline < 0) {
      LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
    Stats s1 = stats(statsClient, statsRequest);
    Cell cell = new Cell("mTLS + rotation", c, 0, r, mtls.requests.get() - r0,
        s1.handshakes - s0.handshakes, mtls.clientHandshakes.sum() - h0);
    // What a pool that recycles its connections pays afterwards: one handshake per connection.
    mtls.client.connectionPool().evictAll();
    ClosedLoop.run(mtls, c, 0, Duration.ofSeconds(1).toNanos());
    Stats s2 = stats(statsClient, statsRequest);
    return new Rotation(cell, clientBefore, source.current().generation(), serverBefore,
        s2.generation, s2.handshakes - s1.handshakes);
  }

  private static Stats stats(OkHttpClient client, Request request) throws IOException {
    try (Response r = client.newCall(request).execute()) {
      return Stats.parse(r.body().string());
    }
  }

  private void print(List<Cell> cells, List<Cell> priming, Stats primed, Stats before,
      Rotation rot) {
    out.println("Priming (cold start, not in the comparison), each side at c=" + max(concurrency)
        + " for " + prime.toMillis() + " ms; TLS connections accepted by then: "
        + primed.tlsConnections + ":");
    out.println();
    out.println("| c | side | req/s | p50 µs | p99 µs | client CPU µs/req | backend CPU µs/req"
        + " | handshakes (server / client) | requests | handshakes per 10k req |");
    out.println("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (Cell x : priming) out.println(row(x));
    out.println();
    errors(priming);
    out.println("Warm cells:");
    out.println();
    out.println("| c | side | req/s | p50 µs | p99 µs | client CPU µs/req | backend CPU µs/req"
        + " | handshakes (server / client) | requests | handshakes per 10k req"
        + " | client alloc B/req (load threads) |");
    out.println("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (int c : concurrency) {
      for (String side : new String[] {"plaintext", "mTLS", "OkHttp plaintext", "OkHttp TLS"}) {
        for (Cell x : cells) {
          if (x.concurrency != c || !x.side.equals(side)) continue;
          out.println(row(x) + String.format(Locale.ROOT, " %.0f |",
              x.result.allocatedBytesPerRequest()));
        }
      }
    }
    out.println();
    errors(cells);
    out.println("| c | req/s mTLS vs plaintext | p99 | client CPU/req | backend CPU/req |");
    out.println("| ---: | ---: | ---: | ---: | ---: |");
    for (int c : concurrency) {
      double[] p = mean(cells, "plaintext", c);
      double[] m = mean(cells, "mTLS", c);
      out.printf(Locale.ROOT, "| %d | %s | %s | %s | %s |%n", c, pct(m[0], p[0]), pct(m[1], p[1]),
          pct(m[2], p[2]), pct(m[3], p[3]));
    }
    out.println();
    if (floor) {
      out.println("Plain OkHttp without mesh4j (the floor), TLS over plaintext:");
      out.println();
      out.println("| c | req/s TLS vs plaintext | p99 | client CPU/req | backend CPU/req |");
      out.println("| ---: | ---: | ---: | ---: | ---: |");
      for (int c : concurrency) {
        double[] p = mean(cells, "OkHttp plaintext", c);
        double[] m = mean(cells, "OkHttp TLS", c);
        out.printf(Locale.ROOT, "| %d | %s | %s | %s | %s |%n", c, pct(m[0], p[0]),
            pct(m[1], p[1]), pct(m[2], p[2]), pct(m[3], p[3]));
      }
      out.println();
    }
    long tlsRequests = 0;
    long tlsHandshakes = 0;
    for (Cell x : cells) {
      if (!x.side.equals("mTLS")) continue;
      tlsRequests += x.requests;
      tlsHandshakes += x.serverHandshakes;
    }
    out.printf(Locale.ROOT, "mTLS over the warm cells: %d handshakes (backend count) for %d"
            + " requests: %.2f handshakes per 10k requests; TLS connections accepted over the"
            + " whole run so far: %d; the largest pool needed is %d connections%n",
        tlsHandshakes, tlsRequests, tlsHandshakes * 1e4 / tlsRequests, before.tlsConnections,
        max(concurrency));
    out.printf(Locale.ROOT, "rotation of both identities (client generation %d -> %d, backend"
            + " %d -> %d) in the middle of a measured mTLS window at c=%d: %s; then evicting the"
            + " client's pool and sending for 1 s at c=%d: %d handshakes (one per new"
            + " connection, with the new certificates)%n",
        rot.clientGenerationBefore, rot.clientGenerationAfter, rot.serverGenerationBefore,
        rot.serverGenerationAfter, rot.cell.concurrency, row(rot.cell), rot.cell.concurrency,
        rot.handshakesAfterEvict);
  }

  /** A line per cell with failed requests: how many, and the first failure. */
  private void errors(List<Cell> cells) {
    boolean any = false;
    for (Cell x : cells) {
      if (x.result.errors() == 0) continue;
      out.printf(Locale.ROOT, "%s at c=%d%s: %d requests failed, first: %s%n", x.side,
          x.concurrency, x.round > 0 ? " round " + x.round : "", x.result.errors(),
          x.result.firstError());
      any = true;
    }
    if (any) out.println();
  }

  private static int max(int[] a) {
    int m = 0;
    for (int x : a) m = Math.max(m, x);
    return m;
  }

  /** Mean over rounds: req/s, p99 µs, client CPU µs/req, backend CPU µs/req. */
  private static double[] mean(List<Cell> cells, String side, int c) {
    double[] sum = new double[4];
    int n = 0;
    for (Cell x : cells) {
      if (x.concurrency != c || !x.side.equals(side)) continue;
      sum[0] += x.result.throughput();
      sum[1] += x.result.latencyMicros(99);
      sum[2] += x.result.clientCpuMicrosPerRequest();
      sum[3] += x.result.sidecarCpuMicrosPerRequest();
      n++;
    }
    for (int i = 0; i < 4; i++) sum[i] /= n;
    return sum;
  }

  private static String pct(double mtls, double plain) {
    return String.format(Locale.ROOT, "%+.1f%%", (mtls / plain - 1) * 100);
  }

  private static String row(Cell x) {
    CellResult r = x.result;
    return String.format(Locale.ROOT,
        "| %d | %s%s | %.0f | %.0f | %.0f | %.1f | %.1f | %d / %d | %d | %.2f |",
        x.concurrency, x.side, x.round > 0 ? " (round " + x.round + ")" : "", r.throughput(),
        r.latencyMicros(50), r.latencyMicros(99), r.clientCpuMicrosPerRequest(),
        r.sidecarCpuMicrosPerRequest(), x.serverHandshakes, x.clientHandshakes, x.requests,
        x.requests == 0 ? 0.0 : x.serverHandshakes * 1e4 / x.requests);
  }
}
