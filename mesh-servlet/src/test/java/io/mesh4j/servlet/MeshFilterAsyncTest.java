package io.mesh4j.servlet;

import static io.mesh4j.servlet.Fixtures.await;
import static io.mesh4j.servlet.Fixtures.count;
import static io.mesh4j.servlet.Fixtures.servlet;
import static io.mesh4j.servlet.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.context.MeshContext;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MeshFilterAsyncTest {
  static final String CONFIG = """
      version: 1
      service: shop
      inbound:
        virtual_hosts:
          - name: self
            domains: ["*"]
            routes:
              - name: async
                match: { prefix: /async }
                headers: { add: { x-mesh-route: async } }
                pass: {}
      propagate:
        headers: [x-canary]
      """;

  final FakeTime time = new FakeTime();
  final MeterRegistry registry = new SimpleMeterRegistry();
  final OkHttpClient client = Fixtures.client();
  final ExecutorService appThreads = Executors.newCachedThreadPool();
  final CountDownLatch release = new CountDownLatch(1);
  final CountDownLatch started = new CountDownLatch(1);
  final AtomicReference<String> seenOnAsyncThread = new AtomicReference<>();
  Mesh mesh;
  JettyServer server;

  @BeforeEach
  void start() throws Exception {
    mesh = Fixtures.mesh(CONFIG, time, registry);
    server = JettyServer.builder(new MeshFilter(mesh))
        // startAsync on the filter's request; the task runs on a container thread via start()
        .servlet("/async/start", servlet((req, res) -> {
          AsyncContext ac = req.startAsync();
          ac.start(() -> {
            seenOnAsyncThread.set(MeshContext.current().headers().toString());
            started.countDown();
            awaitRelease();
            writeQuietly(ac, 200, "done " + seenOnAsyncThread.get());
            ac.complete();
          });
        }))
        // the application's own executor, wrapped to carry the context
        .servlet("/async/executor", servlet((req, res) -> {
          AsyncContext ac = req.startAsync();
          String bare = submitAndGet(() -> MeshContext.current().headers().toString());
          MeshContext.propagating(appThreads).execute(() -> {
            seenOnAsyncThread.set("bare=" + bare + " wrapped=" + MeshContext.current().headers());
            started.countDown();
            awaitRelease();
            writeQuietly(ac, 201, seenOnAsyncThread.get());
            ac.complete();
          });
        }))
        // async, then dispatched to another servlet (an ASYNC dispatch through the filter)
        .servlet("/async/dispatch", servlet((req, res) -> {
          AsyncContext ac = req.startAsync();
          appThreads.execute(() -> {
            started.countDown();
            awaitRelease();
            ac.dispatch("/async/target");
          });
        }))
        .servlet("/async/target", servlet((req, res) -> write(res, 202,
            "target " + req.getDispatcherType() + " route-header=" + req.getHeader("x-mesh-route")
                + " context=" + MeshContext.current().headers())))
        // async started on the container's request object, behind the filter's back
        .servlet("/async/raw", servlet((req, res) -> {
          AsyncContext ac = ((HttpServletRequestWrapper) req).getRequest().startAsync();
          appThreads.execute(() -> {
            started.countDown();
            awaitRelease();
            writeQuietly(ac, 203, "raw");
            ac.complete();
          });
        }))
        // two async cycles: async, dispatched, async again, completed from a start() task
        .servlet("/async/twice", servlet((req, res) -> {
          AsyncContext ac = req.startAsync();
          appThreads.execute(() -> ac.dispatch("/async/second"));
        }))
        .servlet("/async/second", servlet((req, res) -> {
          AsyncContext ac = req.startAsync();
          ac.start(() -> {
            started.countDown();
            awaitRelease();
            writeQuietly(ac, 200, "second cycle " + req.getDispatcherType() + " "
                + MeshContext.current().headers());
            ac.complete();
          });
        }))
        // never completed: the container times it out
        .servlet("/async/timeout", servlet((req, res) -> {
          AsyncContext ac = req.startAsync();
          ac.setTimeout(50);
        }))
        .start();
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    server.close();
    mesh.close();
    appThreads.shutdownNow();
  }

  private void awaitRelease() {
    try {
      if (!release.await(20, TimeUnit.SECONDS)) throw new IllegalStateException("never released");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private String submitAndGet(java.util.concurrent.Callable<String> task) {
    try {
      return appThreads.submit(task).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void writeQuietly(AsyncContext ac, int status, String body) {
    try {
      write((jakarta.servlet.http.HttpServletResponse) ac.getResponse(), status, body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private CompletableFuture<String> send(String path) {
    CompletableFuture<String> answer = new CompletableFuture<>();
    CompletableFuture.runAsync(() -> {
      Request r = new Request.Builder().url(server.url(path)).header("x-canary", "blue")
          .header("x-request-id", "async-1").build();
      try (Response res = client.newCall(r).execute()) {
        answer.complete(res.code() + " " + res.body().string());
      } catch (Exception e) {
        answer.completeExceptionally(e);
      }
    });
    return answer;
  }

  @Test
  void asyncContextStartRunsTheTaskWithTheRequestsContextAndTheOutcomeIsRecordedAtCompletion()
      throws Exception {
    CompletableFuture<String> answer = send("/async/start");
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(Fixtures.totalRequests(registry)).as("not recorded when doFilter returned").isZero();

    time.advance(Duration.ofMillis(250));
    release.countDown();

    assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo("200 done {x-request-id=async-1, x-canary=blue}");
    await("recorded", () -> count(registry, "self/async", "2xx", "pass") == 1);
    assertThat(Fixtures.requests(registry, "self/async", "2xx", "pass").totalTime(TimeUnit.MILLISECONDS))
        .as("latency runs to completion, not to the end of doFilter").isEqualTo(250.0);
    assertThat(Fixtures.totalRequests(registry)).isEqualTo(1);
  }

  @Test
  void theApplicationsOwnExecutorCarriesTheContextWhenWrappedWithMeshContext() throws Exception {
    CompletableFuture<String> answer = send("/async/executor");
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    release.countDown();

    assertThat(answer.get(10, TimeUnit.SECONDS))
        .isEqualTo("201 bare={} wrapped={x-request-id=async-1, x-canary=blue}");
    await("recorded", () -> count(registry, "self/async", "2xx", "pass") == 1);
  }

  @Test
  void anAsyncDispatchPassesThroughTheFilterWithTheSameContextAndHeadersAndIsRecordedOnce()
      throws Exception {
    CompletableFuture<String> answer = send("/async/dispatch");
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(Fixtures.totalRequests(registry)).isZero();
    time.advance(Duration.ofMillis(40));
    release.countDown();

    assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo(
        "202 target ASYNC route-header=async context={x-request-id=async-1, x-canary=blue}");
    await("recorded", () -> count(registry, "self/async", "2xx", "pass") == 1);
    assertThat(Fixtures.requests(registry, "self/async", "2xx", "pass").totalTime(TimeUnit.MILLISECONDS))
        .isEqualTo(40.0);
    assertThat(Fixtures.totalRequests(registry)).isEqualTo(1);
  }

  @Test
  void asyncStartedOnTheContainersRequestIsStillRecordedAtCompletion() throws Exception {
    CompletableFuture<String> answer = send("/async/raw");
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    time.advance(Duration.ofMillis(7));
    release.countDown();

    assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo("203 raw");
    await("recorded", () -> count(registry, "self/async", "2xx", "pass") == 1);
    assertThat(Fixtures.requests(registry, "self/async", "2xx", "pass").totalTime(TimeUnit.MILLISECONDS))
        .isEqualTo(7.0);
  }

  @Test
  void aRequestThatGoesAsyncTwiceIsRecordedOnceWhenItFinallyCompletes() throws Exception {
    CompletableFuture<String> answer = send("/async/twice");
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(Fixtures.totalRequests(registry)).isZero();
    time.advance(Duration.ofMillis(90));
    release.countDown();

    assertThat(answer.get(10, TimeUnit.SECONDS))
        .isEqualTo("200 second cycle ASYNC {x-request-id=async-1, x-canary=blue}");
    await("recorded", () -> count(registry, "self/async", "2xx", "pass") == 1);
    assertThat(Fixtures.requests(registry, "self/async", "2xx", "pass").totalTime(TimeUnit.MILLISECONDS))
        .isEqualTo(90.0);
    assertThat(Fixtures.totalRequests(registry)).isEqualTo(1);
  }

  @Test
  void anAsyncTimeoutIsRecordedOnceAsAnError() throws Exception {
    String answer = send("/async/timeout").get(10, TimeUnit.SECONDS);

    assertThat(answer).startsWith("500 ");
    await("recorded", () -> count(registry, "self/async", "5xx", "error") == 1);
    assertThat(Fixtures.totalRequests(registry)).isEqualTo(1);
  }
}
