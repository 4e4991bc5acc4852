package io.mesh4j.examples.demo;

import io.mesh4j.MeshSnapshot;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The traffic generator: a few client threads sending paced GETs to the frontend with a plain
 * OkHttp client (no mesh on this side: it plays the users), cycling through the current mix of
 * {@link RequestKind}s. Each answer is judged against the {@link Prediction} for the config in
 * force and recorded in the current act's {@link Tally} and the whole run's, with its latency.
 * Thread-safe.
 */
final class Traffic implements AutoCloseable {
  private final String baseUrl;
  private final int clients;
  private final long intervalNanos;
  private final Function<MeshSnapshot, Map<RequestKind, Prediction.Expected>> predict;
  private final java.util.function.Supplier<MeshSnapshot> snapshots;
  private final OkHttpClient http;
  private final Tally overall = new Tally("run");
  private final LatencyHistogram latencies = new LatencyHistogram();
  private final AtomicLong sequence = new AtomicLong();
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean paused;
  private volatile RequestKind[] mix = {RequestKind.ITEMS};
  private volatile Tally current = new Tally("start");
  private volatile Predictions predictions;
  private volatile boolean running;

  /**
   * @param baseUrl the frontend, {@code http://127.0.0.1:18080}
   * @param clients concurrent client threads
   * @param rate requests per second over all clients; 0 sends nothing
   * @param snapshots the frontend mesh's current snapshot
   * @param predict the expected outcomes under a snapshot
   */
  Traffic(
      String baseUrl, int clients, double rate,
      java.util.function.Supplier<MeshSnapshot> snapshots,
      Function<MeshSnapshot, Map<RequestKind, Prediction.Expected>> predict) {
    this.baseUrl = baseUrl;
    this.clients = rate > 0 ? clients : 0;
    this.intervalNanos = rate > 0 ? (long) (clients * 1e9 / rate) : 0;
    this.snapshots = snapshots;
    this.predict = predict;
    this.http = new OkHttpClient.Builder()
        .followRedirects(false)
        .connectTimeout(Duration.ofSeconds(10))
        .readTimeout(Duration.ofSeconds(30))
        .callTimeout(Duration.ofSeconds(60))
        .build();
  }

  /** Starts the client threads. */
  void start() {
    running = true;
    for (int i = 0; i < clients; i++) {
      Thread t = new Thread(this::loop, "demo-client-" + (i + 1));
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  /** How many client threads run (each has at most one request in flight). */
  int clients() {
    return clients;
  }

  /** From now on, cycle through {@code kinds} (in order, across all clients). */
  void mix(RequestKind... kinds) {
    if (kinds.length == 0) throw new IllegalArgumentException("kinds: empty");
    mix = kinds.clone();
  }

  /** Starts a new tally for requests sent from now on and returns it. */
  Tally begin(String label) {
    Tally t = new Tally(label);
    current = t;
    return t;
  }

  /** Everything since the start. */
  Tally overall() {
    return overall;
  }

  /** Latencies of every request since the start. */
  LatencyHistogram latencies() {
    return latencies;
  }

  /** The expected outcomes under the config in force now. */
  Map<RequestKind, Prediction.Expected> predictions() {
    MeshSnapshot s = snapshots.get();
    Predictions p = predictions;
    if (p == null || p.generation != s.generation()) {
      p = new Predictions(s.generation(), new EnumMap<>(predict.apply(s)));
      predictions = p;
    }
    return p.expected;
  }

  /**
   * Stops the clients from sending and waits (up to {@code patience}) until no request of theirs
   * is in flight, so that requests sent with {@link #sendOne} meanwhile are the only ones.
   *
   * @return whether the clients went quiet in time
   */
  boolean pause(Duration patience) {
    paused = true;
    long deadline = System.nanoTime() + patience.toNanos();
    while (inFlight.get() > 0) {
      if (System.nanoTime() >= deadline) return false;
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
    return true;
  }

  /** Lets the clients send again after {@link #pause}. */
  void resume() {
    paused = false;
    for (Thread t : threads) LockSupport.unpark(t);
  }

  /** Sends one request of {@code kind} on the calling thread, recorded like the clients' own. */
  String sendOne(RequestKind kind) {
    return send(kind, current);
  }

  private void loop() {
    long next = System.nanoTime();
    while (running) {
      // Announce the request before looking at `paused`: pause() sets the flag, then waits for
      // inFlight to drain, so no request can start after it returned.
      inFlight.incrementAndGet();
      if (paused) {
        inFlight.decrementAndGet();
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        next = System.nanoTime();
        continue;
      }
      try {
        RequestKind[] m = mix;
        RequestKind kind = m[(int) Math.floorMod(sequence.getAndIncrement(), (long) m.length)];
        send(kind, current);
      } finally {
        inFlight.decrementAndGet();
      }
      next += intervalNanos;
      long now = System.nanoTime();
      if (next < now) next = now;   // behind (a busy machine): carry on, never burst to catch up
      while (running && !paused && (now = System.nanoTime()) < next) LockSupport.parkNanos(next - now);
    }
  }

  /** Sends one request, records it, and returns the instance that answered (or null). */
  private String send(RequestKind kind, Tally tally) {
    Request.Builder request = new Request.Builder().url(baseUrl + kind.path);
    if (kind.canary) request.header(RequestKind.CANARY_HEADER, "true");
    Prediction.Expected expected = predictions().get(kind);
    long start = System.nanoTime();
    int status = 0;
    String servedBy = null;
    boolean sawCanary = false;
    String failure;
    try (Response response = http.newCall(request.build()).execute()) {
      String body = response.body().string();
      status = response.code();
      servedBy = response.header(Instance.SERVED_BY);
      sawCanary = "true".equals(response.header(Instance.SAW_CANARY));
      failure = expected.matches(status, response.header("Location"))
          ? null
          : "got " + status + " (expected " + expected.describe() + "): " + firstLine(body);
    } catch (IOException e) {
      failure = "no response: " + e;
    }
    long nanos = System.nanoTime() - start;
    if (!running && failure != null) return servedBy;   // cut off by shutdown, not by the mesh
    latencies.record(nanos);
    tally.record(kind, status, servedBy, sawCanary, failure);
    overall.record(kind, status, servedBy, sawCanary, failure);
    return servedBy;
  }

  private static String firstLine(String body) {
    String s = body.strip();
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** Stops the clients, waiting for requests in flight. */
  @Override
  public void close() {
    running = false;
    for (Thread t : threads) {
      LockSupport.unpark(t);
      try {
        t.join(TimeUnit.SECONDS.toMillis(65));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  private record Predictions(long generation, Map<RequestKind, Prediction.Expected> expected) {}
}
