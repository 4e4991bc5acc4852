package io.mesh4j.servlet.admin;

import io.mesh4j.internal.EndpointInternals;
import io.mesh4j.internal.ClusterInternals;
import io.mesh4j.time.FakeTime;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mesh4j.Mesh;
import io.mesh4j.cluster.Cluster;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.health.ProbeResult;
import io.mesh4j.outlier.EjectionReason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real headless Chromium, driven over the DevTools protocol: endpoints and their
 * health appear, and the page follows ejections, failing health checks, draining and traffic as
 * the mesh changes underneath it.
 *
 * <p>Skipped (with a message) only when no Chromium is installed; CI installs one with {@code
 * .ci/install-browser.sh}. With {@code -Dmesh4j.dashboard.screenshots=DIR} it also writes {@code
 * dashboard.png} (laptop) and {@code dashboard-phone.png} into DIR.
 */
class AdminDashboardBrowserTest {
  static final Duration WAIT = Duration.ofSeconds(15);

  static final String YAML = """
      version: 1
      service: storefront
      clusters:
        - name: inventory
          endpoints:
            - { address: "10.0.1.11:8080", weight: 5, zone: eu-west-1a }
            - { address: "10.0.1.12:8080", weight: 2, zone: eu-west-1a }
            - { address: "10.0.2.13:8080", weight: 1, zone: "<b>eu-west-1b" }
            - { address: "10.0.2.14:8080", weight: 3, zone: eu-west-1b }
        - name: payments
          lb: least_request
          endpoints: ["10.0.3.21:8443", "10.0.3.22:8443"]
          health_check: { interval: 1s, unhealthy_threshold: 1, healthy_threshold: 1 }
      admin:
        enabled: true
        allow_from: ["127.0.0.1/32"]
      """;

  /** The page's view of every endpoint row, for failure messages. */
  static final String STATE = "JSON.stringify({rows: Array.from(document.querySelectorAll("
      + "'tr[data-endpoint]')).map(r => [r.dataset.endpoint, r.dataset.health,"
      + " r.querySelector('.share-cell').dataset.share]),"
      + " draining: document.body.dataset.draining, status: document.getElementById('status').textContent,"
      + " error: document.getElementById('error').textContent})";

  static String row(String endpoint) {
    return "document.querySelector('tr[data-endpoint=\"" + endpoint + "\"]')";
  }

  static String health(String endpoint, String health) {
    return row(endpoint) + ".dataset.health === '" + health + "' && " + row(endpoint)
        + ".querySelector('.badge').textContent === '" + health + "'";
  }

  static String share(String endpoint, int percent) {
    return row(endpoint) + ".querySelector('.share-cell').dataset.share === '" + percent + "' && "
        + row(endpoint) + ".querySelector('.pct').textContent === '" + percent + "%'";
  }

  static String chip(String cluster, String text) {
    return "Array.from(document.querySelectorAll('section[data-cluster=\"" + cluster
        + "\"] .chip')).some(c => c.textContent === '" + text + "')";
  }

  @Test
  void theDashboardShowsEveryEndpointAndFollowsEjectionHealthDrainingAndTraffic(
      @TempDir Path profile) throws Exception {
    Optional<Path> binary = Chromium.find();
    assumeTrue(binary.isPresent(), "no chromium on the PATH (or $MESH4J_CHROMIUM): the dashboard"
        + " browser test needs one; install it with .ci/install-browser.sh (apt-get install chromium)");
    FakeTime time = new FakeTime();
    Set<String> down = ConcurrentHashMap.newKeySet();
    try (Mesh mesh = Mesh.builder()
            .config(ConfigLoader.load(YAML))
            .ticker(time)
            .scheduler(time)
            .healthProbe("http", (endpoint, config) -> CompletableFuture.completedFuture(
                down.contains(endpoint.address()) ? ProbeResult.unhealthy("down") : ProbeResult.healthy()))
            .build();
        AdminServer server = new AdminServer(new MeshAdmin(mesh));
        Chromium browser = Chromium.launch(binary.get(), profile)) {
      Cluster inventory = mesh.cluster("inventory");
      Cluster payments = mesh.cluster("payments");
      Endpoint i11 = AdminEndpointsTest.endpoint(inventory, "10.0.1.11:8080");
      Endpoint i12 = AdminEndpointsTest.endpoint(inventory, "10.0.1.12:8080");
      Endpoint i13 = AdminEndpointsTest.endpoint(inventory, "10.0.2.13:8080");
      Endpoint i14 = AdminEndpointsTest.endpoint(inventory, "10.0.2.14:8080");
      Endpoint p21 = AdminEndpointsTest.endpoint(payments, "10.0.3.21:8443");
      browser.viewport(1280, 800, 1, false);

      browser.open(server.url("/mesh/"));

      // Every endpoint appears, healthy, with what the config says about it.
      browser.await("document.querySelectorAll('tr[data-endpoint]').length === 6 && "
          + "Array.from(document.querySelectorAll('tr[data-endpoint]')).every(r => r.dataset.health === 'healthy')",
          WAIT, STATE);
      assertThat(browser.eval("Array.from(document.querySelectorAll('tr[data-endpoint] .addr'))"
          + ".map(e => e.textContent).join(' ')").asText())
          .isEqualTo("10.0.1.11:8080 10.0.1.12:8080 10.0.2.13:8080 10.0.2.14:8080 10.0.3.21:8443 10.0.3.22:8443");
      assertThat(browser.eval(row("inventory/10.0.1.11:8080") + ".querySelector('.weight').textContent").asText())
          .isEqualTo("5");
      assertThat(browser.eval("document.getElementById('service').textContent + '|' + "
          + "document.getElementById('generation').textContent + '|' + document.getElementById('hash').textContent").asText())
          .isEqualTo("storefront|1|" + mesh.current().configHash());
      browser.await(chip("inventory", "weighted round robin") + " && " + chip("inventory", "4/4 usable")
          + " && " + chip("payments", "least request"), WAIT, STATE);
      // Config text is shown as text, never parsed as markup.
      assertThat(browser.eval(row("inventory/10.0.2.13:8080") + ".querySelector('.sub').textContent").asText())
          .isEqualTo("zone <b>eu-west-1b");
      assertThat(browser.eval("document.querySelectorAll('main b').length").asInt()).isZero();

      // A reload shows as a new generation and hash, and endpoint state carries over.
      mesh.reload(ConfigLoader.load(YAML.replace("\"<b>eu-west-1b\"", "eu-west-1b")));
      browser.await("document.getElementById('generation').textContent === '2' && "
          + "document.getElementById('hash').textContent === '" + mesh.current().configHash() + "' && "
          + row("inventory/10.0.2.13:8080") + ".querySelector('.sub').textContent === 'zone eu-west-1b'",
          WAIT, STATE);

      // Traffic between two polls shows as each endpoint's share of its cluster.
      server.beforeNextClustersPoll(() -> {
        for (int i = 0; i < 30; i++) ClusterInternals.onOutcome(inventory, i11, 200, Failure.NONE, 1_000_000);
        for (int i = 0; i < 10; i++) ClusterInternals.onOutcome(inventory, i14, 200, Failure.NONE, 1_000_000);
      });
      browser.await(share("inventory/10.0.1.11:8080", 75) + " && " + share("inventory/10.0.2.14:8080", 25)
          + " && " + share("inventory/10.0.1.12:8080", 0), WAIT, STATE);

      // An endpoint goes down: outlier ejection, a failing health check, a draining peer.
      ClusterInternals.ejectNow(inventory, i12, EjectionReason.CONSECUTIVE_5XX);
      browser.await(health("inventory/10.0.1.12:8080", "ejected") + " && "
          + row("inventory/10.0.1.12:8080") + ".querySelector('.health .sub').textContent === 'consecutive 5xx, back in 30 s'"
          + " && " + chip("inventory", "3/4 usable"), WAIT, STATE);
      down.add("10.0.3.22:8443");
      time.advance(Duration.ofSeconds(3));
      assertThat(payments.usableCount()).isEqualTo(1);
      browser.await(health("payments/10.0.3.22:8443", "unhealthy") + " && " + chip("payments", "1/2 usable"),
          WAIT, STATE);
      ClusterInternals.ejectNow(inventory, i13, EjectionReason.DRAINING);
      browser.await(health("inventory/10.0.2.13:8080", "draining") + " && "
          + health("inventory/10.0.1.11:8080", "healthy"), WAIT, STATE);

      // Steady traffic, as a running service would see it; then the pictures.
      for (int i = 0; i < 3; i++) EndpointInternals.requestStarted(i11);
      EndpointInternals.requestStarted(p21);
      server.beforeEveryClustersPoll(() -> {
        for (int i = 0; i < 50; i++) ClusterInternals.onOutcome(inventory, i11, 200, Failure.NONE, 1_000_000);
        for (int i = 0; i < 30; i++) ClusterInternals.onOutcome(inventory, i14, 200, Failure.NONE, 1_000_000);
        for (int i = 0; i < 20; i++) ClusterInternals.onOutcome(payments, p21, 200, Failure.NONE, 1_000_000);
        ClusterInternals.onOutcome(inventory, i14, 503, Failure.NONE, 1_000_000);
      });
      browser.await(share("inventory/10.0.1.11:8080", 62) + " && " + share("inventory/10.0.2.14:8080", 38)
          + " && " + share("payments/10.0.3.21:8443", 100), WAIT, STATE);
      assertThat(browser.eval(row("inventory/10.0.1.11:8080") + ".querySelector('.active').textContent").asText())
          .isEqualTo("3");
      String dir = System.getProperty("mesh4j.dashboard.screenshots");
      if (dir != null) Files.write(Files.createDirectories(Path.of(dir)).resolve("dashboard.png"), browser.screenshot(false));

      // On a phone the rows become cards and nothing overflows sideways.
      browser.viewport(390, 844, 2, true);
      browser.await("window.innerWidth === 390 && getComputedStyle(document.querySelector('thead')).display === 'none'",
          WAIT, STATE);
      assertThat(browser.eval("document.documentElement.scrollWidth").asInt()).isLessThanOrEqualTo(390);
      if (dir != null) Files.write(Path.of(dir).resolve("dashboard-phone.png"), browser.screenshot(true));
      browser.viewport(1280, 800, 1, false);

      // Draining this instance shows a banner; undraining takes it away.
      String banner = "document.getElementById('draining')";
      assertThat(browser.eval(banner + ".hidden").asBoolean()).isTrue();
      mesh.drain();
      browser.await("!" + banner + ".hidden && " + banner + ".offsetHeight > 0 && document.title.startsWith('[draining]')",
          WAIT, STATE);
      mesh.undrain();
      browser.await(banner + ".hidden && " + banner + ".offsetHeight === 0", WAIT, STATE);

      // The admin going away shows as stale, not as a frozen "live" page.
      server.close();
      browser.await("document.getElementById('status').className === 'status stale' && "
          + "!document.getElementById('error').hidden", WAIT, STATE);
      browser.errors.removeIf(e -> e.contains("/mesh/clusters") && e.contains("ERR_CONNECTION_REFUSED"));

      assertThat(browser.errors).as("console errors, exceptions, CSP violations").isEmpty();
    }
  }
}
