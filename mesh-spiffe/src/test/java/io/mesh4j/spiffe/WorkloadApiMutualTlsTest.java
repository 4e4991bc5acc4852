package io.mesh4j.spiffe;

import static io.mesh4j.spiffe.WorkloadApiIdentitySourceTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.identity.TestPki;
import io.mesh4j.okhttp.MeshOkHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mesh4j client presenting the SVID a Workload API streams: real mutual TLS through {@link
 * MeshOkHttp} to a MockWebServer on 127.0.0.1 that requires a client certificate, before and after
 * the agent pushes a rotation, and across an agent restart.
 */
class WorkloadApiMutualTlsTest {
  static final TestPki.Held CA = TestPki.ca("spiffe CA");
  static final String WEB = "spiffe://corp.test/ns/prod/sa/web";
  static final String API = "spiffe://corp.test/ns/prod/sa/api";

  @TempDir Path tmp;
  Path socketDir;
  FakeWorkloadApi agent;
  WorkloadApiIdentitySource spiffe;
  MutualTlsBackend backend;
  MockWebServer server;
  Mesh mesh;
  int connections;

  @AfterEach
  void stop() throws Exception {
    if (mesh != null) mesh.close();
    if (backend != null) backend.close();
    if (spiffe != null) spiffe.close();
    if (agent != null) agent.close();
    if (socketDir != null) Files.deleteIfExists(socketDir);
  }

  private static MockResponse closing(String body) {
    // A new connection (and handshake) for each call, so each call shows the current certificate.
    return new MockResponse.Builder().body(body).setHeader("Connection", "close").build();
  }

  private static X509Certificate clientCertificate(RecordedRequest r) {
    return (X509Certificate) r.getHandshake().peerCertificates().get(0);
  }

  private OkHttpClient start() throws Exception {
    socketDir = Files.createTempDirectory("spiffe");
    Path socket = socketDir.resolve("agent.sock");

    backend = MutualTlsBackend.start(Files.createTempDirectory(tmp, "server"), CA, API);
    server = backend.server; // "Connection: close" responses end their connection (HTTP/1.1)

    agent = new FakeWorkloadApi(socket, FakeWorkloadApi.response(WEB, TestPki.leaf(CA, WEB), CA))
        .start();
    spiffe = WorkloadApiIdentitySource.builder("workload").socket(socket)
        .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).build();
    String yaml = """
        version: 1
        service: web
        clusters:
          - name: api
            endpoints: [127.0.0.1:%d]
            tls: { mode: mutual, verify: { spiffe_ids: ["%s"] }, source: workload }
        identity_sources:
          - name: workload
        """.formatted(server.getPort(), API);
    mesh = Mesh.builder().config(ConfigLoader.load(yaml)).identitySource(spiffe).build();
    return MeshOkHttp.wrap(new OkHttpClient(), mesh);
  }

  private X509Certificate call(OkHttpClient client) throws Exception {
    server.enqueue(closing("ok"));
    try (Response r = client.newCall(new Request.Builder().url("http://api/items").build())
        .execute()) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.body().string()).isEqualTo("ok");
      assertThat(r.protocol()).isEqualTo(Protocol.HTTP_1_1);
    }
    RecordedRequest seen = server.takeRequest();
    assertThat(seen.getConnectionIndex()).isEqualTo(connections++); // a new handshake each call
    return clientCertificate(seen);
  }

  @Test
  void mutualTlsPresentsTheStreamedSvidAndTheRotatedOneOnTheNextHandshake() throws Exception {
    OkHttpClient client = start();
    X509Certificate before = call(client);
    assertThat(before).isEqualTo(spiffe.current().leaf());
    assertThat(mesh.identitySource("workload")).isSameAs(spiffe);

    TestPki.Held rotated = TestPki.leaf(CA, WEB);
    agent.push(FakeWorkloadApi.response(WEB, rotated, CA));
    await(() -> spiffe.current().leaf().equals(rotated.certificate()), "the rotation");

    X509Certificate after = call(client);
    assertThat(after).isEqualTo(rotated.certificate()).isNotEqualTo(before);
  }

  @Test
  void callsKeepWorkingWhileTheAgentIsDownAndAfterItComesBack() throws Exception {
    OkHttpClient client = start();
    X509Certificate first = call(client);

    agent.stop();
    await(() -> spiffe.lastError() != null, "the stream to break");
    assertThat(call(client)).isEqualTo(first); // the last identity keeps serving

    TestPki.Held reissued = TestPki.leaf(CA, WEB);
    agent.push(FakeWorkloadApi.response(WEB, reissued, CA));
    agent.start();
    await(() -> spiffe.current().leaf().equals(reissued.certificate()), "the reconnect");
    assertThat(call(client)).isEqualTo(reissued.certificate());
  }
}
