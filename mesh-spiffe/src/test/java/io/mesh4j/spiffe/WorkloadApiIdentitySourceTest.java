package io.mesh4j.spiffe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.identity.TestPki;
import io.mesh4j.identity.WorkloadIdentity;
import io.spiffe.workloadapi.grpc.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The source against a real gRPC Workload API server on a Unix domain socket. */
class WorkloadApiIdentitySourceTest {
  static final TestPki.Held CA = TestPki.ca("spiffe CA");
  static final String WEB = "spiffe://corp.test/ns/prod/sa/web";

  Path dir;
  Path socket;
  FakeWorkloadApi agent;
  WorkloadApiIdentitySource source;

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createTempDirectory("spiffe");
    socket = dir.resolve("agent.sock");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (source != null) source.close();
    if (agent != null) agent.close();
    Files.deleteIfExists(socket);
    Files.deleteIfExists(dir);
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // poll, not spin
    }
  }

  private WorkloadApiIdentitySource.Builder builder() {
    return WorkloadApiIdentitySource.builder("workload").socket("unix://" + socket)
        .backoff(Duration.ofMillis(20), Duration.ofMillis(200))
        .initialTimeout(Duration.ofSeconds(10));
  }

  @Test
  void theFirstSvidIsServedAndARotationPushedOnTheStreamSwapsItAndNotifies() throws Exception {
    TestPki.Held first = TestPki.leaf(CA, WEB);
    agent = new FakeWorkloadApi(socket, FakeWorkloadApi.response(WEB, first, CA)).start();
    source = builder().build();

    WorkloadIdentity id = source.current();
    assertThat(id.leaf()).isEqualTo(first.certificate());
    assertThat(id.spiffeId()).isEqualTo(WEB);
    assertThat(id.trustBundle()).containsExactly(CA.certificate());
    assertThat(id.generation()).isEqualTo(1);
    assertThat(source.lastError()).isNull();
    assertThat(source.describe()).isEqualTo("spiffe workload api unix://" + socket);

    List<WorkloadIdentity> seen = new CopyOnWriteArrayList<>();
    source.onChange(seen::add);
    TestPki.Held second = TestPki.leaf(CA, WEB);
    agent.push(FakeWorkloadApi.response(WEB, second, CA));
    await(() -> seen.size() == 1, "the rotation");

    assertThat(source.current().leaf()).isEqualTo(second.certificate());
    assertThat(source.current().generation()).isEqualTo(2);
    assertThat(seen.get(0)).isSameAs(source.current());
    assertThat(Thread.currentThread().getName()).doesNotStartWith("mesh4j-spiffe");
    assertThat(agent.refusedCalls.get()).isZero();
    assertThat(source.connects()).isEqualTo(1);
  }

  @Test
  void theSameMaterialAgainIsNoRotation() throws Exception {
    TestPki.Held leaf = TestPki.leaf(CA, WEB);
    agent = new FakeWorkloadApi(socket, FakeWorkloadApi.response(WEB, leaf, CA)).start();
    source = builder().build();
    List<WorkloadIdentity> seen = new CopyOnWriteArrayList<>();
    source.onChange(seen::add);

    agent.push(FakeWorkloadApi.response(WEB, leaf, CA));
    TestPki.Held next = TestPki.leaf(CA, WEB);
    agent.push(FakeWorkloadApi.response(WEB, next, CA));
    await(() -> seen.size() == 1, "the rotation");
    assertThat(seen.get(0).leaf()).isEqualTo(next.certificate());
    assertThat(seen.get(0).generation()).isEqualTo(2);
  }

  @Test
  void aHalfRotatedSvidIsRefusedAndTheLastGoodOneKeepsServing() throws Exception {
    TestPki.Held leaf = TestPki.leaf(CA, WEB);
    agent = new FakeWorkloadApi(socket, FakeWorkloadApi.response(WEB, leaf, CA)).start();
    source = builder().build();

    TestPki.Held other = TestPki.leaf(CA, WEB);
    Workload.X509SVID mismatched = FakeWorkloadApi.svid(WEB, TestPki.leaf(CA, WEB), CA).toBuilder()
        .setX509SvidKey(com.google.protobuf.ByteString.copyFrom(other.privateKey().getEncoded()))
        .build();
    agent.push(Workload.X509SVIDResponse.newBuilder().addSvids(mismatched).build());
    await(() -> source.lastError() != null, "the refusal");

    assertThat(source.lastError()).contains(WEB).contains("does not belong")
        .doesNotContain("PRIVATE");
    assertThat(source.current().leaf()).isEqualTo(leaf.certificate());

    agent.push(Workload.X509SVIDResponse.newBuilder().build());
    await(() -> source.lastError().contains("no X.509 SVID"), "the empty response refused");

    TestPki.Held good = TestPki.leaf(CA, WEB);
    agent.push(FakeWorkloadApi.response(WEB, good, CA));
    await(() -> source.current().leaf().equals(good.certificate()), "the good rotation");
    assertThat(source.lastError()).isNull();
  }

  @Test
  void aConfiguredSpiffeIdPicksItsSvidAmongSeveral() throws Exception {
    String api = "spiffe://corp.test/ns/prod/sa/api";
    TestPki.Held web = TestPki.leaf(CA, WEB);
    TestPki.Held apiLeaf = TestPki.leaf(CA, api);
    agent = new FakeWorkloadApi(socket, Workload.X509SVIDResponse.newBuilder()
        .addSvids(FakeWorkloadApi.svid(WEB, web, CA))
        .addSvids(FakeWorkloadApi.svid(api, apiLeaf, CA)).build()).start();
    source = builder().spiffeId(api).build();
    assertThat(source.current().spiffeId()).isEqualTo(api);
    assertThat(source.describe()).endsWith("spiffe_id=" + api);

    try (WorkloadApiIdentitySource missing = builder().spiffeId("spiffe://corp.test/none")
        .initialTimeout(Duration.ofMillis(300)).build()) {
      throw new AssertionError("built without its SVID: " + missing.current());
    } catch (IllegalStateException e) {
      assertThat(e).hasMessageContaining("no SVID for spiffe://corp.test/none (offered: ["
          + WEB + ", " + api + "])");
    }
  }

  @Test
  void anAgentRestartIsSurvivedWithTheLastIdentityAndAReconnect() throws Exception {
    TestPki.Held first = TestPki.leaf(CA, WEB);
    agent = new FakeWorkloadApi(socket, FakeWorkloadApi.response(WEB, first, CA)).start();
    source = builder().build();

    agent.stop();
    await(() -> source.lastError() != null && source.lastError().contains("reconnecting"),
        "the stream to break");
    await(() -> source.connects() >= 3, "reconnect attempts while the agent is down");
    assertThat(source.current().leaf()).isEqualTo(first.certificate());

    TestPki.Held second = TestPki.leaf(CA, WEB);
    agent = new FakeWorkloadApi(socket, FakeWorkloadApi.response(WEB, second, CA)).start();
    await(() -> source.current().leaf().equals(second.certificate()), "the reconnect");
    assertThat(source.current().generation()).isEqualTo(2);
    assertThat(source.lastError()).isNull();
    await(() -> agent.openStreams() == 1, "one stream on the new agent");

    TestPki.Held third = TestPki.leaf(CA, WEB);
    agent.push(FakeWorkloadApi.response(WEB, third, CA));
    await(() -> source.current().leaf().equals(third.certificate()), "a push after reconnecting");
  }

  @Test
  void withoutAnAgentTheBuildFailsNamingTheSocketAndLeavesNoThread() throws Exception {
    assertThatThrownBy(() -> builder().initialTimeout(Duration.ofMillis(200)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("identity source workload: no X.509 SVID from unix://" + socket
            + " within 200ms (Workload API unix://" + socket + ": UNAVAILABLE");
    assertThat(threads()).isEmpty();
  }

  @Test
  void closeCancelsTheStreamAndStopsEveryThread() throws Exception {
    agent = new FakeWorkloadApi(socket, FakeWorkloadApi.response(WEB, TestPki.leaf(CA, WEB), CA))
        .start();
    source = builder().build();
    await(() -> agent.openStreams() == 1, "the stream");
    assertThat(threads()).isNotEmpty();
    WorkloadIdentity last = source.current();

    source.close();
    source.close();
    assertThat(threads()).isEmpty();
    await(() -> agent.openStreams() == 0, "the agent to see the stream cancelled");
    assertThat(source.current()).isSameAs(last);
  }

  @Test
  void closingFromAListenerDoesNotWaitForItself() throws Exception {
    agent = new FakeWorkloadApi(socket, FakeWorkloadApi.response(WEB, TestPki.leaf(CA, WEB), CA))
        .start();
    source = builder().build();
    java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
    long[] took = new long[1];
    source.onChange(id -> {
      long t0 = System.nanoTime();
      source.close();
      took[0] = System.nanoTime() - t0;
      closed.countDown();
    });
    agent.push(FakeWorkloadApi.response(WEB, TestPki.leaf(CA, WEB), CA));
    assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(Duration.ofNanos(took[0])).isLessThan(Duration.ofSeconds(1));
    await(() -> threads().isEmpty(), "the source's threads to end");
  }

  @Test
  void theSocketComesFromSpiffeEndpointSocketByDefault() throws Exception {
    agent = new FakeWorkloadApi(socket, FakeWorkloadApi.response(WEB, TestPki.leaf(CA, WEB), CA))
        .start();
    source = WorkloadApiIdentitySource.builder("workload")
        .environment(Map.of("SPIFFE_ENDPOINT_SOCKET", "unix:" + socket)).build();
    assertThat(source.socket()).isEqualTo(socket);
    assertThat(source.current().spiffeId()).isEqualTo(WEB);

    assertThatThrownBy(() -> WorkloadApiIdentitySource.builder("w").environment(Map.of()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("identity source w: no socket given and SPIFFE_ENDPOINT_SOCKET is not set");
    assertThatThrownBy(() -> WorkloadApiIdentitySource.builder("w")
        .environment(Map.of("SPIFFE_ENDPOINT_SOCKET", "tcp://127.0.0.1:8081")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("identity source w: SPIFFE_ENDPOINT_SOCKET: \"tcp://127.0.0.1:8081\""
            + " (expected: unix:///path/to/socket)");
  }

  @Test
  void theBuilderRejectsBadSettingsAtTheSetter() {
    var b = WorkloadApiIdentitySource.builder("w");
    assertThatThrownBy(() -> b.socket("unix://host/agent.sock"))
        .hasMessage("socket: \"unix://host/agent.sock\" (expected: unix:///path/to/socket)");
    assertThatThrownBy(() -> b.socket("relative.sock"))
        .hasMessage("socket: \"relative.sock\" (expected: unix:///path/to/socket)");
    assertThatThrownBy(() -> b.spiffeId("web"))
        .hasMessage("spiffeId: \"web\" (expected: spiffe://trust-domain/path)");
    assertThatThrownBy(() -> b.backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessage("backoff max: PT1S (expected: >= initial PT2S)");
    assertThatThrownBy(() -> b.initialTimeout(Duration.ZERO))
        .hasMessage("initialTimeout: PT0S (expected: >= 1ms)");
    assertThatThrownBy(() -> WorkloadApiIdentitySource.builder(""))
        .hasMessage("name: empty");
  }

  static List<String> threads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
        .map(Thread::getName).filter(n -> n.startsWith("mesh4j-spiffe")).toList();
  }
}
