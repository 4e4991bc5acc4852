package io.mesh4j.spiffe;

import static io.mesh4j.spiffe.WorkloadApiIdentitySourceTest.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigError;
import io.mesh4j.config.ConfigException;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.identity.IdentitySource;
import io.mesh4j.identity.TestPki;
import io.mesh4j.okhttp.MeshOkHttp;
import io.spiffe.workloadapi.grpc.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mesh whose Workload API identity is declared in YAML alone ({@code identity_sources: [{name,
 * workload_api: {...}}]}): mesh-spiffe's {@link WorkloadApiIdentitySourceProvider}, found by
 * {@code ServiceLoader}, makes the source; real mutual TLS through {@link MeshOkHttp} to a
 * MockWebServer on 127.0.0.1 that requires a client certificate; the mesh owns the source across
 * reloads and closes it when the entry goes or the mesh closes.
 */
class WorkloadApiYamlTest {
  static final TestPki.Held CA = TestPki.ca("spiffe CA");
  static final String WEB = "spiffe://corp.test/ns/prod/sa/web";
  static final String ADMIN = "spiffe://corp.test/ns/prod/sa/admin";
  static final String API = "spiffe://corp.test/ns/prod/sa/api";

  @TempDir Path tmp;
  Path socketDir;
  Path socket;
  FakeWorkloadApi agent;
  MutualTlsBackend backend;
  MockWebServer server;
  Mesh mesh;
  int connections;

  @BeforeEach
  void startBackendAndAgent() throws Exception {
    // Unix socket paths are limited to ~108 bytes: a short directory of its own.
    socketDir = Files.createTempDirectory("spiffe");
    socket = socketDir.resolve("agent.sock");
    backend = MutualTlsBackend.start(Files.createTempDirectory(tmp, "server"), CA, API);
    server = backend.server; // "Connection: close" responses end their connection (HTTP/1.1)
  }

  @AfterEach
  void stop() throws Exception {
    if (mesh != null) mesh.close();
    if (backend != null) backend.close();
    if (agent != null) agent.close();
    if (socketDir != null) Files.deleteIfExists(socketDir);
  }

  private String yaml(String workloadApi) {
    return """
        version: 1
        service: web
        clusters:
          - name: api
            endpoints: [127.0.0.1:%d]
            tls: { mode: mutual, verify: { spiffe_ids: ["%s"] }, source: workload }
        identity_sources:
          - name: workload
            workload_api: %s
        """.formatted(server.getPort(), API, workloadApi);
  }

  private String socketOnly() {
    return "{ socket: \"unix://" + socket + "\" }";
  }

  private void startAgent(Workload.X509SVIDResponse first) throws Exception {
    agent = new FakeWorkloadApi(socket, first).start();
  }

  private X509Certificate call(OkHttpClient client) throws Exception {
    server.enqueue(new MockResponse.Builder().body("ok").setHeader("Connection", "close").build());
    try (Response r = client.newCall(new Request.Builder().url("http://api/items").build())
        .execute()) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.body().string()).isEqualTo("ok");
    }
    RecordedRequest seen = server.takeRequest();
    assertThat(seen.getConnectionIndex()).isEqualTo(connections++); // a new handshake each call
    return (X509Certificate) seen.getHandshake().peerCertificates().get(0);
  }

  /** The live threads of the source called {@code workload}. */
  private static Set<String> sourceThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.equals("mesh4j-spiffe-workload") || n.equals("mesh4j-spiffe-io-workload"))
        .collect(Collectors.toSet());
  }

  @Test
  void aMeshFromYamlAloneDoesMutualTlsWithTheStreamedSvidAndFollowsARotation() throws Exception {
    TestPki.Held first = TestPki.leaf(CA, WEB);
    startAgent(FakeWorkloadApi.response(WEB, first, CA));
    mesh = Mesh.builder().config(ConfigLoader.load(yaml(socketOnly()))).build();
    IdentitySource source = mesh.identitySource("workload");
    assertThat(source).isInstanceOf(WorkloadApiIdentitySource.class);
    assertThat(source.describe()).isEqualTo("spiffe workload api unix://" + socket);
    OkHttpClient client = MeshOkHttp.wrap(new OkHttpClient(), mesh);

    assertThat(call(client)).isEqualTo(first.certificate());

    TestPki.Held rotated = TestPki.leaf(CA, WEB);
    agent.push(FakeWorkloadApi.response(WEB, rotated, CA));
    await(() -> source.current().leaf().equals(rotated.certificate()), "the rotation");
    assertThat(call(client)).isEqualTo(rotated.certificate());
  }

  @Test
  void spiffeIdPicksTheSvidToServeAndInitialTimeoutIsPassedOn() throws Exception {
    TestPki.Held web = TestPki.leaf(CA, WEB);
    TestPki.Held admin = TestPki.leaf(CA, ADMIN);
    startAgent(Workload.X509SVIDResponse.newBuilder()
        .addSvids(FakeWorkloadApi.svid(WEB, web, CA))
        .addSvids(FakeWorkloadApi.svid(ADMIN, admin, CA)).build());
    mesh = Mesh.builder().config(ConfigLoader.load(yaml("{ socket: \"unix:" + socket
        + "\", spiffe_id: \"" + ADMIN + "\", initial_timeout: 5s }"))).build();

    assertThat(mesh.identitySource("workload").current().spiffeId()).isEqualTo(ADMIN);
    assertThat(call(MeshOkHttp.wrap(new OkHttpClient(), mesh))).isEqualTo(admin.certificate());
  }

  @Test
  void aReloadThatKeepsTheEntryKeepsTheSourceAndItsStreamAndOneThatRemovesItClosesIt()
      throws Exception {
    startAgent(FakeWorkloadApi.response(WEB, TestPki.leaf(CA, WEB), CA));
    Set<String> before = sourceThreads();
    assertThat(before).as("no source of that name yet").isEmpty();
    mesh = Mesh.builder().config(ConfigLoader.load(yaml(socketOnly()))).build();
    WorkloadApiIdentitySource source = (WorkloadApiIdentitySource) mesh.identitySource("workload");
    assertThat(sourceThreads()).isNotEmpty();
    assertThat(agent.calls.get()).isEqualTo(1);

    // The same entry (the file reformatted, the cluster's timeout changed): same source, no reconnect.
    mesh.reload(ConfigLoader.load(yaml(socketOnly()).replace("    tls:", "    timeout: 5s\n    tls:")));
    assertThat(mesh.identitySource("workload")).isSameAs(source);
    assertThat(source.connects()).isEqualTo(1);
    assertThat(agent.calls.get()).isEqualTo(1);
    assertThat(agent.openStreams()).isEqualTo(1);
    assertThat(call(MeshOkHttp.wrap(new OkHttpClient(), mesh))).isEqualTo(source.current().leaf());

    // The entry gone (and the cluster back to plaintext): the mesh closes the source.
    mesh.reload(ConfigLoader.load("""
        version: 1
        service: web
        clusters:
          - name: api
            endpoints: [127.0.0.1:%d]
        """.formatted(server.getPort())));
    assertThat(mesh.identitySource("workload")).isNull();
    assertThat(sourceThreads()).as("the source's threads ended").isEmpty();
    await(() -> agent.openStreams() == 0, "the agent to see the stream cancelled");
  }

  @Test
  void closingTheMeshClosesTheSourceItMade() throws Exception {
    startAgent(FakeWorkloadApi.response(WEB, TestPki.leaf(CA, WEB), CA));
    mesh = Mesh.builder().config(ConfigLoader.load(yaml(socketOnly()))).build();
    assertThat(sourceThreads()).isNotEmpty();
    mesh.close();
    mesh = null;
    assertThat(sourceThreads()).isEmpty();
    await(() -> agent.openStreams() == 0, "the agent to see the stream cancelled");
  }

  @Test
  void anUnreachableAgentFailsTheBuildWithTheEntrysPathWithinTheInitialTimeout() {
    Path nowhere = socketDir.resolve("nobody.sock");
    long start = System.nanoTime();
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> Mesh.builder()
        .config(ConfigLoader.load(yaml("{ socket: \"unix://" + nowhere
            + "\", initial_timeout: 200ms }"))).build());
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(e).isNotNull();
    assertThat(e.errors()).singleElement().satisfies((ConfigError err) -> {
      assertThat(err.path()).isEqualTo("identity_sources[0].workload_api");
      assertThat(err.message()).startsWith("identity source workload: no X.509 SVID from unix://"
          + nowhere + " within 200ms");
    });
    assertThat(took).as("bounded by initial_timeout, not the 30s default")
        .isLessThan(Duration.ofSeconds(10));
    assertThat(sourceThreads()).as("the failed source's threads ended").isEmpty();
  }

  @Test
  void aReloadToAnUnreachableAgentFailsWholeAndKeepsTheSourceInForce() throws Exception {
    startAgent(FakeWorkloadApi.response(WEB, TestPki.leaf(CA, WEB), CA));
    mesh = Mesh.builder().config(ConfigLoader.load(yaml(socketOnly()))).build();
    IdentitySource source = mesh.identitySource("workload");
    long generation = mesh.current().generation();

    ConfigException e = catchThrowableOfType(ConfigException.class, () -> mesh.reload(
        ConfigLoader.load(yaml("{ socket: \"unix://" + socketDir.resolve("gone.sock")
            + "\", initial_timeout: 200ms }"))));

    assertThat(e.errors()).singleElement()
        .satisfies((ConfigError err) -> assertThat(err.path())
            .isEqualTo("identity_sources[0].workload_api"));
    assertThat(mesh.current().generation()).isEqualTo(generation);
    assertThat(mesh.identitySource("workload")).isSameAs(source);
    assertThat(call(MeshOkHttp.wrap(new OkHttpClient(), mesh))).isEqualTo(source.current().leaf());
  }
}
