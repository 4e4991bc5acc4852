package io.mesh4j.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.identity.IdentitySource;
import io.mesh4j.identity.SubjectNames;
import io.mesh4j.identity.TestPki;
import io.mesh4j.identity.WorkloadIdentity;
import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.okhttp.MeshException;
import io.mesh4j.okhttp.MeshOkHttp;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.CipherSuite;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.TlsVersion;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mesh4j client and the mesh4j server over real mutual TLS on loopback: Jetty 12 terminates
 * TLS with {@link Mesh#serverTls()}, the {@link MeshFilter} enforces {@code inbound.tls}, and the
 * wrapped OkHttp client originates TLS to the {@code tls} cluster. Identities are SPIFFE SVIDs of
 * a test CA, in PEM files rotated the way cert-manager does (atomic replacement).
 */
class MutualTlsEndToEndTest {
  static final TestPki.Held CA = TestPki.ca("corp CA");
  static final String WEB = "spiffe://corp.test/ns/prod/sa/web";
  static final String API = "spiffe://corp.test/ns/prod/sa/api";
  /** How long the rotation test runs: a few seconds by default, 60 with -Dmesh4j.tls.rotation.seconds=60. */
  static final int ROTATION_SECONDS = Integer.getInteger("mesh4j.tls.rotation.seconds", 4);

  @TempDir Path tmp;
  Path serverDir;
  Path clientDir;
  final MeterRegistry registry = new SimpleMeterRegistry();
  final List<AutoCloseable> closeables = new ArrayList<>();
  Server jetty;
  ServerConnector tlsConnector;
  ServerConnector plainConnector;
  Mesh serverMesh;
  Mesh clientMesh;
  OkHttpClient client;
  ConnectionPool pool;
  /** Client identities the application saw, by the certificate the container verified. */
  final Set<String> appSawClientSerials = ConcurrentHashMap.newKeySet();

  @AfterEach
  void stop() throws Exception {
    if (jetty != null) jetty.stop();
    if (clientMesh != null) clientMesh.close();
    if (serverMesh != null) serverMesh.close();
    for (AutoCloseable c : closeables) c.close();
  }

  private static String sources(Path dir, String refresh) {
    return """
        identity_sources:
          - name: workload
            pem: { cert_chain: %s, private_key: %s, trust_bundle: %s, refresh: %s }
        """.formatted(dir.resolve("tls.crt"), dir.resolve("tls.key"), dir.resolve("ca.crt"),
        refresh);
  }

  /** Starts Jetty: a TLS connector over {@code serverMesh.serverTls()}, and a plaintext one. */
  private void startServer(String mode, TestPki.Held leaf) throws Exception {
    serverDir = Files.createTempDirectory(tmp, "server");
    TestPki.writeIdentity(serverDir, leaf, CA);
    serverMesh = Mesh.builder().meterRegistry(registry).config(ConfigLoader.load("""
        version: 1
        service: api
        inbound:
          tls: { mode: %s, source: workload }
          authz:
            default_action: deny
            rules:
              - { name: web, action: allow, match: { principals: ["%s"] } }
              - { name: public, action: allow, match: { prefix: /public } }
        """.formatted(mode, WEB) + sources(serverDir, "100ms"))).build();
    jetty = new Server();
    HttpConfiguration http = new HttpConfiguration();
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    secure.setSniHostCheck(false);
    http.addCustomizer(secure);
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setSslContext(serverMesh.serverTls());
    ssl.setNeedClientAuth(mode.equals("strict"));
    ssl.setWantClientAuth(mode.equals("permissive"));
    ssl.setEndpointIdentificationAlgorithm(null);
    tlsConnector = new ServerConnector(jetty, new SslConnectionFactory(ssl, "http/1.1"),
        new HttpConnectionFactory(http));
    tlsConnector.setHost("127.0.0.1");
    jetty.addConnector(tlsConnector);
    plainConnector = new ServerConnector(jetty, new HttpConnectionFactory(new HttpConfiguration()));
    plainConnector.setHost("127.0.0.1");
    jetty.addConnector(plainConnector);
    ServletContextHandler context = new ServletContextHandler("/");
    FilterHolder f = new FilterHolder(new MeshFilter(serverMesh));
    f.setAsyncSupported(true);
    context.addFilter(f, "/*", java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST));
    HttpServlet app = Fixtures.servlet((req, res) -> {
      String peer = "none";
      if (req.getAttribute(PeerIdentities.CERTIFICATES_ATTRIBUTE) instanceof X509Certificate[] c) {
        peer = SubjectNames.identityOf(c[0]);
        appSawClientSerials.add(c[0].getSerialNumber().toString(16));
      }
      Fixtures.write(res, 200, "app saw " + peer);
    });
    context.addServlet(new ServletHolder(app), "/*");
    jetty.setHandler(context);
    jetty.start();
  }

  /** The client mesh: cluster {@code api} over mutual TLS to the TLS connector. */
  private void startClient(TestPki.Held leaf, String verify) throws Exception {
    clientDir = Files.createTempDirectory(tmp, "client");
    TestPki.writeIdentity(clientDir, leaf, CA);
    clientMesh = Mesh.builder().config(ConfigLoader.load("""
        version: 1
        service: web
        clusters:
          - name: api
            endpoints: [127.0.0.1:%d]
            tls: { mode: mutual, verify: %s, source: workload }
        """.formatted(tlsConnector.getLocalPort(), verify) + sources(clientDir, "100ms")))
        .meterRegistry(registry).build();
    pool = new ConnectionPool();
    client = MeshOkHttp.wrap(new OkHttpClient.Builder().connectionPool(pool).build(), clientMesh);
  }

  private String get(OkHttpClient c, String url) throws IOException {
    try (Response r = c.newCall(new Request.Builder().url(url).build()).execute()) {
      return r.code() + " " + r.body().string().trim();
    }
  }

  private static OkHttpClient plainClient(HeldCertificate identity, X509Certificate trusted) {
    HandshakeCertificates.Builder b = new HandshakeCertificates.Builder()
        .addTrustedCertificate(trusted);
    if (identity != null) b.heldCertificate(identity);
    HandshakeCertificates hc = b.build();
    return new OkHttpClient.Builder().sslSocketFactory(hc.sslSocketFactory(), hc.trustManager())
        .hostnameVerifier((h, s) -> true).build();
  }

  private static HeldCertificate held(TestPki.Held h) {
    return new HeldCertificate(h.keys(), h.certificate());
  }

  private double authn(String mode, String peer) {
    var c = registry.find(MeshMetricNames.SERVER_PEER_AUTHN).tag(MeshMetricNames.TAG_MODE, mode)
        .tag(MeshMetricNames.TAG_PEER, peer).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void theMeshClientAndServerSpeakMutualTlsAndAuthorizeBySpiffeId() throws Exception {
    startServer("strict", TestPki.leaf(CA, API));
    startClient(TestPki.leaf(CA, WEB), "{ spiffe_ids: [\"" + API + "\"] }");
    assertThat(get(client, "http://api/orders")).isEqualTo("200 app saw " + WEB);
    assertThat(authn("strict", "mtls")).isEqualTo(1);
  }

  @Test
  void jettyOverServerTlsNegotiatesAes128GcmWhateverTheClientsOrder() throws Exception {
    startServer("strict", TestPki.leaf(CA, API));
    startClient(TestPki.leaf(CA, WEB), "{ spiffe_ids: [\"" + API + "\"] }");
    try (Response r = client.newCall(new Request.Builder().url("http://api/orders").build())
        .execute()) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.handshake().tlsVersion()).isEqualTo(TlsVersion.TLS_1_3);
      assertThat(r.handshake().cipherSuite()).isEqualTo(CipherSuite.TLS_AES_128_GCM_SHA256);
    }
    // A client on the JDK's defaults lists AES-256-GCM first; the server's order wins.
    OkHttpClient jdkDefaults = plainClient(held(TestPki.leaf(CA, WEB)), CA.certificate());
    String url = "https://127.0.0.1:" + tlsConnector.getLocalPort() + "/public";
    try (Response r = jdkDefaults.newCall(new Request.Builder().url(url).build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.handshake().cipherSuite()).isEqualTo(CipherSuite.TLS_AES_128_GCM_SHA256);
    }
  }

  @Test
  void theClientRefusesAServerWithAnotherSpiffeIdOfTheSameCa() throws Exception {
    startServer("strict", TestPki.leaf(CA, "spiffe://corp.test/ns/prod/sa/mitm"));
    startClient(TestPki.leaf(CA, WEB), "{ spiffe_ids: [\"" + API + "\"] }");
    assertThatThrownBy(() -> get(client, "http://api/orders")).isInstanceOf(MeshException.class)
        .extracting(e -> ((MeshException) e).reason())
        .isEqualTo(MeshException.Reason.PEER_IDENTITY_REFUSED);
    assertThat(authn("strict", "mtls")).isZero();
    assertThat(registry.get(MeshMetricNames.TLS_PEER_REFUSED).tag("cluster", "api").counter()
        .count()).isEqualTo(1);
  }

  @Test
  void strictRefusesAClientWithoutCertificateOrFromAnotherTrustDomainOrExpired() throws Exception {
    startServer("strict", TestPki.leaf(CA, API));
    String url = "https://127.0.0.1:" + tlsConnector.getLocalPort() + "/public";
    X509Certificate serverCa = CA.certificate();
    assertThatThrownBy(() -> get(plainClient(null, serverCa), url)).isInstanceOf(IOException.class);
    TestPki.Held otherCa = TestPki.ca("other CA");
    assertThatThrownBy(() -> get(plainClient(held(TestPki.leaf(otherCa,
        "spiffe://other.test/sa/web")), serverCa), url)).isInstanceOf(IOException.class);
    Instant now = Instant.now();
    TestPki.Held expired = TestPki.leaf(CA, WEB, now.minus(Duration.ofDays(2)),
        now.minus(Duration.ofDays(1)));
    assertThatThrownBy(() -> get(plainClient(held(expired), serverCa), url))
        .isInstanceOf(IOException.class);
    // A valid certificate of the CA passes, and authz still applies to its identity.
    assertThat(get(plainClient(held(TestPki.leaf(CA, WEB)), serverCa), url))
        .isEqualTo("200 app saw " + WEB);
    // Plaintext (a connector without TLS) never reaches the application in strict mode.
    String plain = "http://127.0.0.1:" + plainConnector.getLocalPort() + "/public";
    assertThat(get(new OkHttpClient(), plain))
        .isEqualTo("403 mesh4j: mutual TLS required (inbound.tls.mode strict)");
    assertThat(authn("strict", "plaintext")).isEqualTo(1);
    assertThat(authn("strict", "mtls")).isEqualTo(1);
    assertThat(appSawClientSerials).hasSize(1);
  }

  @Test
  void permissiveAcceptsPlaintextAndMutualTlsAndCountsThemApart() throws Exception {
    startServer("permissive", TestPki.leaf(CA, API));
    startClient(TestPki.leaf(CA, WEB), "{ spiffe_ids: [\"" + API + "\"] }");
    assertThat(get(client, "http://api/orders")).isEqualTo("200 app saw " + WEB);
    String plain = "http://127.0.0.1:" + plainConnector.getLocalPort() + "/public";
    assertThat(get(new OkHttpClient(), plain)).isEqualTo("200 app saw none");
    String tlsNoCert = "https://127.0.0.1:" + tlsConnector.getLocalPort() + "/public";
    assertThat(get(plainClient(null, CA.certificate()), tlsNoCert)).isEqualTo("200 app saw none");
    assertThat(authn("permissive", "mtls")).isEqualTo(1);
    assertThat(authn("permissive", "plaintext")).isEqualTo(1);
    assertThat(authn("permissive", "tls")).isEqualTo(1);
  }

  /** Awaits {@code source}'s next identity (a rotation picked up), up to 10 seconds. */
  private static void awaitRotation(IdentitySource source, Runnable rotate) throws Exception {
    CountDownLatch changed = new CountDownLatch(1);
    try (AutoCloseable l = source.onChange(id -> changed.countDown())) {
      rotate.run();
      assertThat(changed.await(10, TimeUnit.SECONDS)).as("rotation of " + source.name()).isTrue();
    }
  }

  @Test
  void rotatingBothSidesUnderLoadFailsNoRequestAndNewHandshakesUseTheNewCertificates()
      throws Exception {
    startServer("strict", TestPki.leaf(CA, API));
    startClient(TestPki.leaf(CA, WEB), "{ spiffe_ids: [\"" + API + "\"] }");
    int callers = 8;
    ExecutorService pool8 = Executors.newFixedThreadPool(callers);
    ScheduledExecutorService rotator = Executors.newSingleThreadScheduledExecutor();
    closeables.add(pool8::shutdownNow);
    closeables.add(rotator::shutdownNow);
    Set<String> serverSerials = ConcurrentHashMap.newKeySet();
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    AtomicInteger rotations = new AtomicInteger();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(ROTATION_SECONDS);
    // Past the planned time, the load goes on until both sides have shown two rotated
    // certificates in new handshakes (a slow, shared machine handshakes less often), or 60 s more.
    long hardEnd = end + TimeUnit.SECONDS.toNanos(60);
    rotator.scheduleAtFixedRate(() -> {
      TestPki.writeIdentity(serverDir, TestPki.leaf(CA, API), CA);
      TestPki.writeIdentity(clientDir, TestPki.leaf(CA, WEB), CA);
      rotations.incrementAndGet();
      pool.evictAll(); // idle connections only: the next requests handshake again
    }, 700, 700, TimeUnit.MILLISECONDS);
    List<Future<?>> done = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      done.add(pool8.submit(() -> {
        int n = 0;
        while (System.nanoTime() - end < 0 || (System.nanoTime() - hardEnd < 0
            && (serverSerials.size() < 3 || appSawClientSerials.size() < 3))) {
          // Busy connections are never idle: one request in 25 closes its connection, so new
          // handshakes keep happening (connection churn, as in production).
          Request.Builder rb = new Request.Builder().url("http://api/x");
          if (++n % 25 == 0) rb.header("Connection", "close");
          try (Response r = client.newCall(rb.build()).execute()) {
            if (r.code() == 200 && r.body().string().equals("app saw " + WEB)) {
              ok.incrementAndGet();
              serverSerials.add(((X509Certificate) r.handshake().peerCertificates().get(0))
                  .getSerialNumber().toString(16));
            } else {
              failed.incrementAndGet();
            }
          } catch (IOException | RuntimeException e) {
            failed.incrementAndGet();
            firstFailure.compareAndSet(null, e);
          }
        }
        return null;
      }));
    }
    for (Future<?> f : done) f.get(ROTATION_SECONDS + 90L, TimeUnit.SECONDS);
    rotator.shutdownNow();
    // A rotation being written must finish before the temporary directories are removed.
    assertThat(rotator.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(firstFailure.get()).as("first failure").isNull();
    assertThat(failed.get()).isZero();
    assertThat(ok.get()).isGreaterThanOrEqualTo(callers);
    int expectedRotations = rotations.get();
    assertThat(expectedRotations).isGreaterThanOrEqualTo(2);
    // New handshakes presented rotated certificates (the first and at least two more), both sides.
    assertThat(serverSerials).hasSizeGreaterThanOrEqualTo(3);
    assertThat(appSawClientSerials).hasSizeGreaterThanOrEqualTo(3);
    WorkloadIdentity serverNow = serverMesh.identitySource("workload").current();
    assertThat(serverNow.generation()).isGreaterThan(1);
    System.out.printf("rotation under load: %d s, %d requests ok, 0 failed, %d rotations,"
        + " %d server and %d client certificates seen%n", ROTATION_SECONDS, ok.get(),
        expectedRotations, serverSerials.size(), appSawClientSerials.size());
  }

  @Test
  void aTrustBundleChangeAddingANewCaThenRemovingTheOldOneCausesNoOutage() throws Exception {
    startServer("strict", TestPki.leaf(CA, API));
    startClient(TestPki.leaf(CA, WEB), "{ spiffe_ids: [\"" + API + "\"] }");
    IdentitySource server = serverMesh.identitySource("workload");
    IdentitySource clientId = clientMesh.identitySource("workload");
    TestPki.Held newCa = TestPki.ca("new CA");
    AtomicLong failed = new AtomicLong();
    AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    AtomicLong ok = new AtomicLong();
    CountDownLatch stop = new CountDownLatch(1);
    ExecutorService callers = Executors.newFixedThreadPool(2);
    closeables.add(callers::shutdownNow);
    List<Future<?>> done = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      done.add(callers.submit(() -> {
        while (stop.getCount() > 0) {
          try {
            if (get(client, "http://api/x").equals("200 app saw " + WEB)) ok.incrementAndGet();
            else failed.incrementAndGet();
          } catch (IOException | RuntimeException e) {
            failed.incrementAndGet();
            firstFailure.compareAndSet(null, e);
          }
          pool.evictAll();
        }
        return null;
      }));
    }
    TestPki.Held serverOld = TestPki.leaf(CA, API);
    TestPki.Held clientOld = TestPki.leaf(CA, WEB);
    // 1. both trust both CAs
    awaitRotation(server, () -> TestPki.writeIdentity(serverDir, serverOld, CA, newCa));
    awaitRotation(clientId, () -> TestPki.writeIdentity(clientDir, clientOld, CA, newCa));
    // 2. both move to certificates of the new CA
    TestPki.Held serverNew = TestPki.leaf(newCa, API);
    TestPki.Held clientNew = TestPki.leaf(newCa, WEB);
    awaitRotation(server, () -> TestPki.writeIdentity(serverDir, serverNew, CA, newCa));
    awaitRotation(clientId, () -> TestPki.writeIdentity(clientDir, clientNew, CA, newCa));
    // 3. the old CA is removed
    awaitRotation(server, () -> TestPki.writeIdentity(serverDir, serverNew, newCa));
    awaitRotation(clientId, () -> TestPki.writeIdentity(clientDir, clientNew, newCa));
    long before = ok.get();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (ok.get() < before + 20 && System.nanoTime() - deadline < 0) Thread.onSpinWait();
    stop.countDown();
    for (Future<?> f : done) f.get(30, TimeUnit.SECONDS);
    assertThat(firstFailure.get()).as("first failure").isNull();
    assertThat(failed.get()).isZero();
    assertThat(ok.get()).isGreaterThanOrEqualTo(before + 20);
    // A client still holding a certificate of the removed CA is refused now.
    String url = "https://127.0.0.1:" + tlsConnector.getLocalPort() + "/public";
    assertThatThrownBy(() -> get(plainClient(held(clientOld), newCa.certificate()), url))
        .isInstanceOf(IOException.class);
  }
}
