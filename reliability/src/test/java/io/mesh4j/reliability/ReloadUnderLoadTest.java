package io.mesh4j.reliability;

import static io.mesh4j.reliability.Leaks.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.mesh4j.Mesh;
import io.mesh4j.MeshSnapshot;
import io.mesh4j.cluster.Cluster;
import io.mesh4j.cluster.EndpointStatus;
import io.mesh4j.config.ConfigException;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.event.MeshEventListener;
import io.mesh4j.okhttp.MeshOkHttp;
import io.mesh4j.outlier.EjectionReason;
import io.mesh4j.reliability.ChaosBackend.Mode;
import io.mesh4j.reliability.LoadDriver.Outcome;
import io.mesh4j.reliability.LoadDriver.PolicyWindow;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hundreds of config reloads (valid and invalid, alternating endpoint weights and routes) while
 * eight callers send GETs and POSTs through a mesh client to real loopback backends.
 *
 * <p>Timeouts are generous (5 s per try): this test is about reloads, and on a starved machine a
 * short per-try timeout fails a POST (never retried once sent) for a reason that is not a reload.
 *
 * <p>Backends b0..b2 answer; b3 answers with {@code x-mesh-draining: true}, so it is ejected
 * (draining, 120 s); b4 is down, so its health checks mark it unhealthy. Both states are set up
 * before the load starts and must survive every reload.
 */
class ReloadUnderLoadTest {
  static final int RELOADS = 300;

  @TempDir Path dir;
  final Ledger ledger = new Ledger(5);
  final QueuedThreadPool pool = new QueuedThreadPool(100, 4);
  final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "reload-backend-timer");
    t.setDaemon(true);
    return t;
  });
  final List<ChaosBackend> b = new ArrayList<>();
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  /** Counts pickers published in panic mode (which would send traffic to b3 and b4 too). */
  final MeshEventListener panics = new MeshEventListener() {
    @Override
    public void pickerRebuilt(String cluster, int usable, int total, boolean panic) {
      if (panic) panicRebuilds.increment();
    }
  };
  final LongAdder panicRebuilds = new LongAdder();
  Mesh mesh;
  OkHttpClient client;

  @BeforeEach
  void startBackends() throws Exception {
    pool.setName("reload-backend");
    pool.start();
    for (int i = 0; i < 5; i++) b.add(new ChaosBackend(i, pool, ledger, timer));
  }

  @AfterEach
  void stopEverything() throws Exception {
    try {
      if (client != null) Leaks.assertNoLeakedConnections(client);
    } finally {
      if (mesh != null) mesh.close();
      for (ChaosBackend x : b) x.close();
      timer.shutdownNow();
      assertThat(timer.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      pool.stop();
    }
  }

  /** Weight of endpoint {@code e} in valid config number {@code i}. */
  static int weight(int i, int e) {
    return 1 + (i + e) % 5;
  }

  /** The i-th valid config: weights move every time, the route alternates between to and split. */
  String valid(int i) {
    StringBuilder shop = new StringBuilder();
    for (int e = 0; e < 5; e++) {
      shop.append("      - { address: ").append(b.get(e).address())
          .append(", weight: ").append(weight(i, e)).append(" }\n");
    }
    StringBuilder shopB = new StringBuilder();
    for (int e = 0; e < 3; e++) {
      shopB.append("      - { address: ").append(b.get(e).address())
          .append(", weight: ").append(weight(i + 2, e)).append(" }\n");
    }
    String action = i % 2 == 0
        ? "to: shop"
        : "split: [ { cluster: shop, weight: " + (1 + i % 4) + " }, { cluster: shop-b, weight: 1 } ]";
    String routes = (i % 3 == 0
        ? "        - { name: other, match: { prefix: /other/ }, respond: { status: 204 } }\n" : "")
        + "        - name: api\n"
        + "          match: { prefix: /api/ }\n"
        + "          " + action;
    return """
        # valid config %d
        version: 1
        service: reload-client
        clusters:
          - name: shop
            endpoints:
        %s
            health_check: { path: /health, interval: 500ms, timeout: 500ms, unhealthy_threshold: 3, healthy_threshold: 2 }
            outlier_detection: { consecutive_5xx: 3, base_ejection_time: 120s, max_ejection_percent: 20 }
            panic_threshold: 30
            retry: { attempts: 3, per_try_timeout: 5s, backoff: { base: 5ms, max: 20ms } }
            timeout: 10s
          - name: shop-b
            endpoints:
        %s
            health_check: { path: /health, interval: 500ms, timeout: 500ms, unhealthy_threshold: 3, healthy_threshold: 2 }
            retry: { attempts: 3, per_try_timeout: 5s, backoff: { base: 5ms, max: 20ms } }
            timeout: 10s
        outbound:
          virtual_hosts:
            - name: shop
              domains: [shop]
              routes:
        %s
        """.formatted(i, shop.toString().stripTrailing(), shopB.toString().stripTrailing(), routes);
  }

  /**
   * The i-th invalid config, one of four kinds: an unknown key, a route to a missing cluster, an
   * out-of-range weight (all rejected by the loader), and an unknown health probe (valid text,
   * rejected by the cluster registry while installing, after the routes compiled).
   */
  String invalid(int i) {
    String v = valid(i);
    String bad = switch (i % 4) {
      case 0 -> v.replace("    timeout: 10s\n  - name: shop-b", "    timeuot: 10s\n  - name: shop-b");
      case 1 -> v.replace("to: shop", "to: nowhere").replace("cluster: shop-b", "cluster: nowhere");
      case 2 -> v.replaceFirst("weight: \\d+ }", "weight: 0 }");
      default -> v.replace("health_check: { path", "health_check: { probe: htp, path");
    };
    if (bad.equals(v)) throw new IllegalStateException("invalid(" + i + ") changed nothing");
    return bad;
  }

  Path write(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text, StandardCharsets.UTF_8);
    return p;
  }

  EndpointStatus status(Cluster c, int backend) {
    return c.statuses().stream().filter(s -> s.endpoint().address().equals(b.get(backend).address()))
        .findFirst().orElseThrow();
  }

  @Test
  void noRequestFailsBecauseOfAReloadInvalidConfigsNeverTakeEffectAndEndpointStateSurvives()
      throws Exception {
    b.get(3).mode(Mode.DRAINING);
    b.get(4).mode(Mode.DOWN);
    mesh = Mesh.builder().config(ConfigLoader.load(valid(0))).meterRegistry(meters)
        .eventListener(panics).build();
    client = MeshOkHttp.wrap(new OkHttpClient(), mesh);
    Cluster shop = mesh.cluster("shop");

    // Set-up, before any load: b4 unhealthy by its checks (first, so that no warm-up request
    // meets it), then b3 ejected by its draining hint.
    await("b4 unhealthy", Duration.ofSeconds(20), () -> !status(shop, 4).healthy());
    await("b3 ejected", Duration.ofSeconds(20), () -> {
      try (Response r = client.newCall(new Request.Builder().url("http://shop/api/warm").build()).execute()) {
        r.body().bytes();
      } catch (IOException e) {
        throw new AssertionError("warm-up GET failed", e);
      }
      return status(shop, 3).ejected();
    });
    Endpoint drained = status(shop, 3).endpoint();
    Endpoint down = status(shop, 4).endpoint();
    long drainedArrivals = ledger.arrivalsAt(3);

    PolicyWindow never = new PolicyWindow();
    LoadDriver load = new LoadDriver(client, "http://shop/api/items", 8, 4, never);
    load.start();
    int valid = 0;
    int invalid = 0;
    try {
      for (int i = 1; i <= RELOADS; i++) {
        if (i % 10 == 0) {
          long seen = load.completed();
          await("traffic between reloads", Duration.ofSeconds(10), () -> load.completed() >= seen + 20);
        }
        MeshSnapshot before = mesh.current();
        if (i % 3 == 0) {
          invalid++;
          Path file = write("invalid-" + i + ".yaml", invalid(i));
          Throwable t = catchThrowable(() -> mesh.reload(file));
          assertThat(t).as("invalid config %d", i).isInstanceOf(ConfigException.class);
          assertThat(mesh.current()).isSameAs(before);
          assertThat(mesh.current().generation()).isEqualTo(before.generation());
          assertThat(mesh.current().configHash()).isEqualTo(before.configHash());
          assertThat(mesh.lastReloadError()).isNotNull();
          assertThat(mesh.lastReloadError().source()).isEqualTo(file.toString());
          // The previous weights still apply.
          assertThat(status(shop, 0).endpoint().weight())
              .isEqualTo(before.cluster("shop").config().endpoints().get(0).weight());
        } else {
          valid++;
          Path file = write("valid-" + i + ".yaml", valid(i));
          MeshSnapshot after = mesh.reload(file);
          assertThat(after.generation()).isEqualTo(before.generation() + 1);
          assertThat(after.configHash()).isNotEqualTo(before.configHash());
          assertThat(mesh.lastReloadError()).isNull();
          assertThat(mesh.cluster("shop")).isSameAs(shop);
          for (int e = 0; e < 5; e++) assertThat(status(shop, e).endpoint().weight()).isEqualTo(weight(i, e));
        }
        EndpointStatus s3 = status(shop, 3);
        assertThat(s3.endpoint()).isSameAs(drained);
        assertThat(s3.ejected()).as("b3 still ejected after reload %d", i).isTrue();
        assertThat(s3.ejectionReason()).isEqualTo(EjectionReason.DRAINING);
        EndpointStatus s4 = status(shop, 4);
        assertThat(s4.endpoint()).isSameAs(down);
        assertThat(s4.healthy()).as("b4 still unhealthy after reload %d", i).isFalse();
      }
    } finally {
      load.close();
    }

    System.out.println("reloads: " + valid + " valid, " + invalid + " invalid; requests " + load.completed()
        + "; GETs " + load.getsOutside + "; POSTs " + load.postsOutside);
    assertThat(valid).isEqualTo(200);
    assertThat(invalid).isEqualTo(100);
    assertThat(load.unexpected).isEmpty();
    assertThat(load.getsOutside.failures()).as("GET failures: %s", load.getsOutside).isZero();
    assertThat(load.postsOutside.failures())
        .as("POST failures: %s %s", load.postsOutside, load.failedPosts).isZero();
    assertThat(load.getsOutside.count(Outcome.OK)).isPositive();
    assertThat(load.postsOutside.count(Outcome.OK)).isPositive();
    assertThat(ledger.duplicatedPosts()).isEmpty();
    if (panicRebuilds.sum() == 0) {
      assertThat(ledger.arrivalsAt(3)).as("traffic to the ejected b3").isEqualTo(drainedArrivals);
    } else {
      // On a starved machine, health checks of b0..b2 can time out until fewer than 30 % of the
      // endpoints are usable: panic then sends traffic to every endpoint, b3 included, by policy.
      System.out.println("panic pickers: " + panicRebuilds.sum() + "; b3 received "
          + (ledger.arrivalsAt(3) - drainedArrivals) + " requests while the cluster panicked");
    }
  }
}
