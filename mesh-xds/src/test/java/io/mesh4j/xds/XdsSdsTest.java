package io.mesh4j.xds;

import static io.mesh4j.xds.Envoy.listener;
import static io.mesh4j.xds.Envoy.prefix;
import static io.mesh4j.xds.Envoy.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigException;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.TlsConfig;
import io.mesh4j.identity.IdentitySource;
import io.mesh4j.identity.PemFileIdentitySource;
import io.mesh4j.identity.TestPki;
import io.mesh4j.identity.TlsContexts;
import io.mesh4j.okhttp.MeshOkHttp;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SDS from Envoy's java-control-plane: the workload certificate and trust bundle come as Secrets
 * over the same ADS stream as the cluster whose UpstreamTlsContext names them, and real mutual TLS
 * calls go through MeshOkHttp to a MockWebServer on 127.0.0.1 that requires a client certificate.
 */
class XdsSdsTest {
  static final Duration WAIT = Duration.ofSeconds(20);
  static final TestPki.Held CA = TestPki.ca("mesh CA");
  static final String WEB = "spiffe://corp.test/ns/prod/sa/web";
  static final String API = "spiffe://corp.test/ns/prod/sa/api";
  static final String SECRET = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

  @TempDir Path tmp;
  ControlPlane cp;
  IdentitySource serverId;
  MockWebServer server;
  final Set<X509Certificate> clientCerts = ConcurrentHashMap.newKeySet();
  SdsIdentitySource sds;
  Mesh mesh;
  XdsClient xds;
  OkHttpClient client;

  @BeforeEach
  void start() throws Exception {
    cp = new ControlPlane();
    Path dir = Files.createTempDirectory(tmp, "server");
    TestPki.writeIdentity(dir, TestPki.leaf(CA, API), CA);
    serverId = PemFileIdentitySource.builder("server").certChain(dir.resolve("tls.crt"))
        .privateKey(dir.resolve("tls.key")).trustBundle(dir.resolve("ca.crt")).build();
    server = new MockWebServer();
    server.useHttps(TlsContexts.server(serverId).getSocketFactory());
    server.requireClientAuth();
    server.setProtocols(List.of(Protocol.HTTP_1_1)); // so "Connection: close" ends the connection
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        clientCerts.add((X509Certificate) request.getHandshake().peerCertificates().get(0));
        // A new connection (and handshake) for each call, so calls show the current certificate.
        return new MockResponse.Builder().body("ok").setHeader("Connection", "close").build();
      }
    });
    server.start(InetAddress.getByName("127.0.0.1"), 0);

    sds = SdsIdentitySource.of("workload", "default", "ROOTCA");
    mesh = Mesh.builder().config(ConfigLoader.load("version: 1\nservice: web\n"))
        .identitySource(sds).build();
    XdsBootstrap bootstrap = XdsBootstrap.builder()
        .server(cp.address()).nodeId("web-1").outbound("outbound")
        .backoff(Duration.ofMillis(50), Duration.ofMillis(500))
        .build();
    xds = XdsClient.builder(bootstrap, mesh).identitySource(sds).start();
    client = MeshOkHttp.wrap(new OkHttpClient(), mesh);
  }

  @AfterEach
  void stop() throws Exception {
    if (xds != null) xds.close();
    if (mesh != null) mesh.close();
    cp.close();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
    server.close();
    serverId.close();
  }

  /** The api cluster, mutual TLS with the SDS secrets, verifying the server's SPIFFE ID. */
  Cluster apiCluster() {
    SdsSecretConfig.Builder ads = SdsSecretConfig.newBuilder().setSdsConfig(Envoy.ADS);
    UpstreamTlsContext tls = UpstreamTlsContext.newBuilder()
        .setCommonTlsContext(CommonTlsContext.newBuilder()
            .addTlsCertificateSdsSecretConfigs(ads.clone().setName("default"))
            .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext
                .newBuilder()
                .setDefaultValidationContext(CertificateValidationContext.newBuilder()
                    .addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
                        .setSanType(SubjectAltNameMatcher.SanType.URI)
                        .setMatcher(StringMatcher.newBuilder().setExact(API))))
                .setValidationContextSdsSecretConfig(ads.clone().setName("ROOTCA"))))
        .build();
    return Cluster.newBuilder().setName("api").setType(Cluster.DiscoveryType.STATIC)
        .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName("api")
            .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
                .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
                    .setSocketAddress(SocketAddress.newBuilder().setAddress("127.0.0.1")
                        .setPortValue(server.getPort())))))))
        .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
            .setTypedConfig(Any.pack(tls)))
        .build();
  }

  static Secret certificate(TestPki.Held leaf, String keyPem) {
    return Secret.newBuilder().setName("default").setTlsCertificate(TlsCertificate.newBuilder()
        .setCertificateChain(DataSource.newBuilder().setInlineString(leaf.certificatePem()))
        .setPrivateKey(DataSource.newBuilder().setInlineString(keyPem))).build();
  }

  static Secret rootCa() {
    return Secret.newBuilder().setName("ROOTCA").setValidationContext(
        CertificateValidationContext.newBuilder().setTrustedCa(
            DataSource.newBuilder().setInlineBytes(com.google.protobuf.ByteString.copyFromUtf8(
                CA.certificatePem())))).build();
  }

  Snapshot snapshot(String version, List<Secret> secrets) {
    return Snapshot.create(List.of(apiCluster()), List.of(),
        List.of(listener("outbound", "outbound-routes")),
        List.of(routes("outbound-routes", "api", prefix("all", "/", "api"))),
        new ArrayList<>(secrets), version);
  }

  Snapshot snapshot(String version, TestPki.Held leaf) {
    return snapshot(version, List.of(certificate(leaf, leaf.privateKeyPem()), rootCa()));
  }

  boolean allAt(String version) throws InterruptedException {
    // No ClusterLoadAssignment: the cluster is STATIC.
    return xds.awaitStatus(s -> s.types().entrySet().stream()
        .filter(e -> !e.getKey().equals("ClusterLoadAssignment"))
        .allMatch(e -> e.getValue().version().equals(version)), WAIT);
  }

  static boolean ack(DiscoveryRequest r, String version) {
    return r.getTypeUrl().equals(SECRET) && r.getVersionInfo().equals(version)
        && !r.getResponseNonce().isEmpty() && !r.hasErrorDetail();
  }

  /** One call; the client certificate the server saw is in {@link #clientCerts}. */
  void call() throws IOException {
    try (Response r = client.newCall(new Request.Builder().url("http://api/items").build())
        .execute()) {
      if (r.code() != 200) throw new IOException("HTTP " + r.code());
      assertThat(r.body().string()).isEqualTo("ok");
    }
  }

  /** Calls once more and returns the client certificate the server saw for it. */
  X509Certificate callAndSeeCertificate() throws Exception {
    clientCerts.clear();
    call();
    assertThat(clientCerts).hasSize(1);
    return clientCerts.iterator().next();
  }

  @Test
  void mutualTlsUsesTheSdsIdentityAndARotatedSecretServesNewHandshakesWithNoFailedCall()
      throws Exception {
    TestPki.Held first = TestPki.leaf(CA, WEB);
    cp.set(snapshot("v1", first));
    assertThat(allAt("v1")).isTrue();
    cp.awaitRequest(r -> ack(r, "v1"), WAIT);

    assertThat(mesh.identitySource("workload")).isSameAs(sds);
    assertThat(mesh.current().config().cluster("api").tls()).isEqualTo(new TlsConfig(
        TlsConfig.Mode.MUTUAL, null, new TlsConfig.Verify(List.of(API), List.of()), null,
        "workload"));
    assertThat(sds.current().leaf()).isEqualTo(first.certificate());
    assertThat(sds.current().generation()).isEqualTo(1);
    assertThat(callAndSeeCertificate()).isEqualTo(first.certificate());
    assertThat(xds.status().types().get("Secret").subscribed()).containsExactly("default", "ROOTCA");

    // Four callers keep making calls (each a new connection) while the control plane rotates.
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    List<String> failures = new CopyOnWriteArrayList<>();
    List<Thread> callers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Thread t = new Thread(() -> {
        while (running.get()) {
          try {
            call();
            ok.incrementAndGet();
          } catch (IOException | RuntimeException | AssertionError e) {
            failures.add(String.valueOf(e));
          }
        }
      });
      t.start();
      callers.add(t);
    }
    TestPki.Held second = TestPki.leaf(CA, WEB);
    CountDownLatch rotated = new CountDownLatch(1);
    try (AutoCloseable l = sds.onChange(id -> rotated.countDown())) {
      cp.set(snapshot("v2", second));
      assertThat(rotated.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
      cp.awaitRequest(r -> ack(r, "v2"), WAIT);
      int before = ok.get();
      long deadline = System.nanoTime() + WAIT.toNanos();
      // New handshakes present the new certificate, and calls keep succeeding after it.
      while ((!clientCerts.contains(second.certificate()) || ok.get() < before + 20)
          && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
    } finally {
      running.set(false);
      for (Thread t : callers) t.join();
    }
    assertThat(failures).isEmpty();
    assertThat(clientCerts).contains(second.certificate());
    assertThat(sds.current().leaf()).isEqualTo(second.certificate());
    assertThat(sds.current().generation()).isEqualTo(2);
    assertThat(callAndSeeCertificate()).isEqualTo(second.certificate());
  }

  @Test
  void aSecretWhoseKeyDoesNotMatchIsNackedAndTheLastGoodIdentityKeepsServing() throws Exception {
    TestPki.Held first = TestPki.leaf(CA, WEB);
    cp.set(snapshot("v1", first));
    assertThat(allAt("v1")).isTrue();
    assertThat(callAndSeeCertificate()).isEqualTo(first.certificate());

    TestPki.Held other = TestPki.leaf(CA, WEB);
    cp.set(snapshot("v2", List.of(certificate(other, first.privateKeyPem()), rootCa())));
    DiscoveryRequest nack = cp.awaitRequest(r -> r.getTypeUrl().equals(SECRET)
        && r.hasErrorDetail(), WAIT);

    assertThat(nack.getVersionInfo()).isEqualTo("v1");
    assertThat(nack.getErrorDetail().getMessage()).startsWith("Secret default:"
        + " tls_certificate.private_key: does not belong to the first certificate of"
        + " certificate_chain (CN=web");
    assertThat(sds.lastError()).contains("refused Secret version v2")
        .contains(nack.getErrorDetail().getMessage()).doesNotContain("PRIVATE KEY");
    assertThat(sds.current().leaf()).isEqualTo(first.certificate());
    assertThat(xds.status().lastNack().type()).isEqualTo("Secret");
    assertThat(callAndSeeCertificate()).isEqualTo(first.certificate());

    TestPki.Held third = TestPki.leaf(CA, WEB);
    cp.set(snapshot("v3", third));
    assertThat(allAt("v3")).isTrue();
    assertThat(sds.lastError()).isNull();
    assertThat(sds.current().generation()).isEqualTo(2);
    assertThat(callAndSeeCertificate()).isEqualTo(third.certificate());
  }

  @Test
  void untilItsSecretsArriveTheSourceHasNoIdentityAndTheMeshDoesNotNameIt() throws Exception {
    assertThat(xds.status().waitingFor()).contains("Secret default", "Secret ROOTCA");
    assertThat(mesh.identitySource("workload")).isNull();
    assertThat(sds.current()).isNull();
    assertThat(sds.describe()).isEqualTo("xds sds tls_certificate=default"
        + " validation_context=ROOTCA from " + cp.address());

    TestPki.Held leaf = TestPki.leaf(CA, WEB);
    cp.set(snapshot("v1", leaf));
    assertThat(allAt("v1")).isTrue();
    assertThat(xds.status().waitingFor()).isEmpty();
    assertThat(mesh.current().config().identitySources()).extracting(s -> s.name())
        .containsExactly("workload");
    assertThat(mesh.identitySource("workload")).isSameAs(sds);
    assertThat(callAndSeeCertificate()).isEqualTo(leaf.certificate());
  }

  @Test
  void aFileConfigThatNamesTheSourceBeforeItsSecretsArrivedIsRefusedNamingIt() {
    SdsIdentitySource early = SdsIdentitySource.of("early", "default", "ROOTCA");

    assertThatThrownBy(() -> Mesh.builder()
        .config(ConfigLoader.load(
            "version: 1\nservice: web\nidentity_sources: [{name: early}]\n"))
        .identitySource(early).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("identity_sources[0]: identity source \"early\" has no identity yet");
  }

  @Test
  void aSourceFeedsOneClient() {
    XdsBootstrap bootstrap = XdsBootstrap.builder().server(cp.address()).nodeId("web-2")
        .outbound("outbound").build();
    try (Mesh other = Mesh.builder().config(ConfigLoader.load("version: 1\nservice: web\n"))
        .build()) {
      assertThatThrownBy(() -> XdsClient.builder(bootstrap, other).identitySource(sds).start())
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("identity source workload: already fed by another XdsClient");
      assertThat(other.configSources()).doesNotContainKey("xds");
    }
  }
}
