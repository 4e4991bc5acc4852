package io.mesh4j.okhttp;

import static io.mesh4j.okhttp.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.time.FakeTime;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code enqueue()} on a wrapped client goes to the mesh directly: no dispatcher thread is held
 * while a call waits out a backoff, and its attempts are the dispatcher's only work. The mesh's
 * scheduler is a {@link FakeTime}, so every call is provably in its backoff at once; the
 * assertions are on threads and calls, never on timing.
 */
class EnqueueTest {
  static final int CALLS = 200;
  static final int DISPATCHER_THREADS = 4;

  final FakeTime time = new FakeTime();
  final Backend backend = new Backend();
  final ThreadPoolExecutor executor = new ThreadPoolExecutor(DISPATCHER_THREADS,
      DISPATCHER_THREADS, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
  Mesh mesh;
  OkHttpClient client;

  @AfterEach
  void close() {
    try {
      if (client != null) TestSupport.assertNoLeaks(client);
    } finally {
      if (mesh != null) mesh.close();
      backend.close();
      executor.shutdownNow();
    }
  }

  @Test
  void twoHundredEnqueuedCallsWaitOutTheirBackoffsWithoutHoldingADispatcherThread() throws Exception {
    // The first attempt of each call (one x-request-id per call, the same on its retry) gets a
    // 503, its retry a 200.
    Set<String> seen = ConcurrentHashMap.newKeySet();
    backend.otherwise(r -> seen.add(r.getHeaders().get("x-request-id"))
        ? new MockResponse.Builder().code(503).body("busy").build()
        : new MockResponse.Builder().code(200).body("ok").build());
    mesh = TestSupport.meshBuilder("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }]
            timeout: 60s
            retry: { attempts: 2, retry_on: [5xx], backoff: { base: 1s, max: 1s },
                     budget: { percent: 100, min_per_second: 1000 } }
        """.formatted(backend.address())).ticker(time).scheduler(time).build();
    Dispatcher dispatcher = new Dispatcher(executor);
    dispatcher.setMaxRequests(DISPATCHER_THREADS);
    dispatcher.setMaxRequestsPerHost(DISPATCHER_THREADS);
    client = MeshOkHttp.wrap(new OkHttpClient.Builder().dispatcher(dispatcher).build(), mesh);

    Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    AtomicInteger failures = new AtomicInteger();
    Set<String> callbackThreads = ConcurrentHashMap.newKeySet();
    for (int i = 0; i < CALLS; i++) {
      client.newCall(new Request.Builder().url("http://inventory/items/" + i).build())
          .enqueue(new Callback() {
            @Override
            public void onResponse(Call call, Response response) {
              try (response) {
                callbackThreads.add(Thread.currentThread().getName());
                statuses.computeIfAbsent(response.code(), c -> new AtomicInteger()).incrementAndGet();
              }
            }

            @Override
            public void onFailure(Call call, IOException e) {
              failures.incrementAndGet();
            }
          });
    }

    // Every call's first attempt ended (503): all 200 calls now wait out a backoff on the fake
    // scheduler. Not one dispatcher thread is busy or parked for them, none is queued.
    await("200 first attempts answered", Duration.ofSeconds(30), () -> seen.size() == CALLS
        && dispatcher.runningCallsCount() == 0 && executor.getActiveCount() == 0);
    assertThat(dispatcher.queuedCallsCount()).isZero();
    assertThat(executor.getActiveCount()).isZero();
    assertThat(statuses).isEmpty();
    assertThat(failures).hasValue(0);

    time.advance(Duration.ofSeconds(1)); // every backoff ends: the retries are enqueued

    await("200 calls answered", Duration.ofSeconds(30),
        () -> statuses.getOrDefault(200, new AtomicInteger()).get() + failures.get() == CALLS);
    assertThat(failures).hasValue(0);
    assertThat(statuses.get(200)).hasValue(CALLS);
    assertThat(backend.received).hasSize(2 * CALLS);
    assertThat(executor.getLargestPoolSize()).isLessThanOrEqualTo(DISPATCHER_THREADS);
    assertThat(callbackThreads).allSatisfy(name -> assertThat(name).doesNotStartWith("mesh4j-"));
  }
}
