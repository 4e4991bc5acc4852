package io.mesh4j.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.okhttp.MeshOkHttp;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A rolling restart of two instances of a Boot service with the starter, on fixed ports, while a
 * mesh4j caller sends requests without pause: every request succeeds. Each instance drains on
 * shutdown (the caller ejects it at the first x-mesh-draining response), the web server's graceful
 * shutdown finishes in-flight requests, and the caller takes the new instance back as soon as its
 * health check passes (not after the 30 s drain ejection).
 */
class RollingRestartTest {
  private static final String SERVICE_CONFIG = Apps.configFile("""
      version: 1
      service: greeter
      """);

  @Test
  void rollingRestartOfTwoInstancesFailsNoRequestOfAMeshCaller() throws Exception {
    int[] ports = {Apps.freePort(), Apps.freePort()};
    String caller = """
        version: 1
        service: caller
        clusters:
          - name: greeter
            endpoints: [{ address: "127.0.0.1:%d" }, { address: "127.0.0.1:%d" }]
            health_check: { path: /mesh/health, interval: 100ms, timeout: 100ms, unhealthy_threshold: 1, healthy_threshold: 1 }
            retry: { attempts: 3, retry_on: [connect-failure, refused-stream, reset, gateway-error], per_try_timeout: 5s, budget: { percent: 100, min_per_second: 1000 } }
        """.formatted(ports[0], ports[1]);
    Map<String, Integer> served = new ConcurrentHashMap<>();
    AtomicInteger failures = new AtomicInteger();
    AtomicInteger requests = new AtomicInteger();
    ConfigurableApplicationContext[] apps = new ConfigurableApplicationContext[2];
    try (Mesh mesh = Mesh.of(ConfigLoader.load(caller))) {
      apps[0] = start(ports[0], "a1");
      apps[1] = start(ports[1], "b1");
      OkHttpClient client = MeshOkHttp.wrap(new OkHttpClient(), mesh);
      // One request every 2 ms at most (hundreds during each drain and restart), not a busy loop:
      // a caller saturating a core made every context start of this test several times slower.
      ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "caller"));
      load.scheduleWithFixedDelay(() -> {
        requests.incrementAndGet();
        try (Response r = client.newCall(new Request.Builder().url("http://greeter/hello").build()).execute()) {
          String body = r.body().string();
          if (r.code() != 200) {
            failures.incrementAndGet();
          } else {
            served.merge(body, 1, Integer::sum);
          }
        } catch (IOException | RuntimeException e) {
          failures.incrementAndGet();
        }
      }, 0, 2, TimeUnit.MILLISECONDS);
      try {
        awaitServed(served, "hello from a1");
        awaitServed(served, "hello from b1");
        restart(apps, 0, ports[0], "a2", served, requests);
        restart(apps, 1, ports[1], "b2", served, requests);
      } finally {
        load.shutdown();
        assertThat(load.awaitTermination(30, TimeUnit.SECONDS)).as("caller stopped").isTrue();
        for (ConfigurableApplicationContext app : apps) {
          if (app != null) app.close();
        }
      }
    }
    assertThat(failures.get()).as("failed of %d requests; served %s", requests.get(), served).isZero();
    assertThat(served).containsKeys("hello from a1", "hello from b1", "hello from a2", "hello from b2");
  }

  /**
   * Stops instance {@code i} (drain, graceful shutdown) and starts {@code instance} on its port,
   * until the caller got a response from it; the caller kept sending all along.
   */
  private static void restart(ConfigurableApplicationContext[] apps, int i, int port, String instance,
      Map<String, Integer> served, AtomicInteger requests) throws InterruptedException {
    int before = requests.get();
    apps[i].close();
    apps[i] = start(port, instance);
    long started = System.nanoTime();
    awaitServed(served, "hello from " + instance);
    assertThat(requests.get() - before).as("requests sent while %s restarted", instance).isGreaterThan(10);
    // The caller ejected this address when the old instance said it was draining (for 30 s, the
    // default base_ejection_time); its health check saw the address down and then the new instance
    // up, which ends that ejection, so the new instance gets traffic as soon as it is healthy.
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .as("%s served this long after it started", instance).isLessThan(Duration.ofSeconds(15));
  }

  private static ConfigurableApplicationContext start(int port, String instance) {
    return Apps.start(Map.of(
        "server.port", String.valueOf(port),
        "server.shutdown", "graceful",
        "test.instance", instance,
        "mesh4j.config", SERVICE_CONFIG,
        "mesh4j.shutdown.drain-delay", "300ms"));
  }

  /** Waits (bounded) until the caller got a response from {@code body}'s instance. */
  private static void awaitServed(Map<String, Integer> served, String body) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    synchronized (served) {
      while (!served.containsKey(body)) {
        if (System.nanoTime() > deadline) throw new AssertionError("never served: " + body + " " + served);
        served.wait(10);
      }
    }
  }
}
