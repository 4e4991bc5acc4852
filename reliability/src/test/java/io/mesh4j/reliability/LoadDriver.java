package io.mesh4j.reliability;

import io.mesh4j.okhttp.MeshException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Concurrent callers: {@code threads} platform threads issue synchronous GETs and POSTs (one POST
 * in {@code postEvery}) through a mesh client until stopped, each request carrying a unique
 * {@value Ledger#ID_HEADER}, and classify every outcome.
 *
 * <p>An outcome is <em>inside the policy window</em> when the request started or ended while a
 * {@link PolicyWindow} was open (a phase in which the documented policy lets requests fail, such
 * as every backend failing at once); the others must succeed.
 */
final class LoadDriver implements AutoCloseable {
  /** How a request ended. */
  enum Outcome {
    /** 2xx and the whole body read. */
    OK,
    /** A non-2xx response (returned by the mesh after its retries, or not retriable). */
    STATUS,
    /** 2xx headers, then the body broke (the mesh cannot retry once headers were handed back). */
    TRUNCATED,
    /** A {@link MeshException}: see {@link Result#reasons}. */
    MESH,
    /** Any other {@link IOException}. */
    IO
  }

  /** Counts for one method on one side of the policy window. */
  static final class Result {
    final EnumMap<Outcome, LongAdder> outcomes = new EnumMap<>(Outcome.class);
    final Map<MeshException.Reason, LongAdder> reasons = new EnumMap<>(MeshException.Reason.class);

    Result() {
      for (Outcome o : Outcome.values()) outcomes.put(o, new LongAdder());
      for (MeshException.Reason r : MeshException.Reason.values()) reasons.put(r, new LongAdder());
    }

    long count(Outcome o) {
      return outcomes.get(o).sum();
    }

    long total() {
      long n = 0;
      for (LongAdder a : outcomes.values()) n += a.sum();
      return n;
    }

    long failures() {
      return total() - count(Outcome.OK);
    }

    @Override
    public String toString() {
      StringBuilder b = new StringBuilder();
      outcomes.forEach((o, n) -> { if (n.sum() > 0) b.append(o).append('=').append(n.sum()).append(' '); });
      reasons.forEach((r, n) -> { if (n.sum() > 0) b.append(r).append('=').append(n.sum()).append(' '); });
      return b.toString().trim();
    }
  }

  /** Marks the spans in which the policy allows failures; open and close from one thread. */
  static final class PolicyWindow {
    private final AtomicLong seq = new AtomicLong();

    void open() {
      if ((seq.get() & 1) == 0) seq.incrementAndGet();
    }

    void close() {
      if ((seq.get() & 1) == 1) seq.incrementAndGet();
    }

    long read() {
      return seq.get();
    }

    static boolean overlapped(long atStart, long atEnd) {
      return (atStart & 1) == 1 || atStart != atEnd;
    }
  }

  /** How long a caller pauses after the mesh refused its request without sending it. */
  static final long REFUSED_PAUSE_NANOS = 10_000_000L;
  private static final MediaType TEXT = MediaType.get("text/plain");

  final Result getsOutside = new Result();
  final Result getsInside = new Result();
  final Result postsOutside = new Result();
  final Result postsInside = new Result();
  /** The first unexpected failures outside the window, for the assertion message. */
  final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
  private final AtomicInteger unexpectedKept = new AtomicInteger();
  /** The first POST failures outside the window (allowed by policy in chaos; shown in messages). */
  final ConcurrentLinkedQueue<String> failedPosts = new ConcurrentLinkedQueue<>();
  private final AtomicInteger failedPostsKept = new AtomicInteger();
  private final OkHttpClient client;
  private final String url;
  private final int postEvery;
  private final PolicyWindow window;
  private final AtomicLong ids = new AtomicLong();
  private final List<Thread> workers = new ArrayList<>();
  private volatile boolean running;

  LoadDriver(OkHttpClient client, String url, int threads, int postEvery, PolicyWindow window) {
    this.client = client;
    this.url = url;
    this.postEvery = postEvery;
    this.window = window;
    for (int i = 0; i < threads; i++) {
      Thread t = new Thread(this::run, "load-" + i);
      t.setDaemon(true);
      workers.add(t);
    }
  }

  void start() {
    running = true;
    workers.forEach(Thread::start);
  }

  /** Requests completed so far. */
  long completed() {
    return getsOutside.total() + getsInside.total() + postsOutside.total() + postsInside.total();
  }

  /** Stops issuing requests and waits (bounded) for the callers to finish their last one. */
  @Override
  public void close() {
    running = false;
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    for (Thread t : workers) {
      try {
        t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while stopping the load", e);
      }
      if (t.isAlive()) throw new AssertionError("load thread " + t.getName() + " did not finish");
    }
  }

  private void run() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    while (running) {
      boolean post = random.nextInt(postEvery) == 0;
      String id = (post ? "p-" : "g-") + ids.incrementAndGet();
      Request.Builder rb = new Request.Builder().url(url + "?n=" + id).header(Ledger.ID_HEADER, id);
      if (post) rb.post(RequestBody.create("order " + id, TEXT));
      long w0 = window.read();
      Outcome outcome;
      MeshException.Reason reason = null;
      String detail = null;
      int status = 0;
      try (Response r = client.newCall(rb.build()).execute()) {
        status = r.code();
        if (r.isSuccessful()) {
          try {
            r.body().bytes();
            outcome = Outcome.OK;
          } catch (IOException e) {
            outcome = Outcome.TRUNCATED;
            detail = e.toString();
          }
        } else {
          outcome = Outcome.STATUS;
        }
      } catch (MeshException e) {
        outcome = Outcome.MESH;
        reason = e.reason();
        detail = e.getMessage() + (e.getCause() != null ? " cause: " + e.getCause() : "");
        // Refused without sending (an open circuit, say): back off as a real caller would,
        // instead of spinning on fast failures.
        if (!e.requestSent()) LockSupport.parkNanos(REFUSED_PAUSE_NANOS);
      } catch (IOException e) {
        outcome = Outcome.IO;
        detail = e.toString();
      }
      boolean inside = PolicyWindow.overlapped(w0, window.read());
      Result result = post ? (inside ? postsInside : postsOutside) : (inside ? getsInside : getsOutside);
      result.outcomes.get(outcome).increment();
      if (reason != null) result.reasons.get(reason).increment();
      if (!inside && outcome != Outcome.OK) {
        ConcurrentLinkedQueue<String> q = post ? failedPosts : unexpected;
        AtomicInteger kept = post ? failedPostsKept : unexpectedKept;
        if ((post || outcome != Outcome.TRUNCATED) && kept.incrementAndGet() <= 20) {
          q.add(id + ": " + outcome + (status != 0 ? " " + status : "")
              + (reason != null ? " " + reason : "") + (detail != null ? " " + detail : ""));
        }
      }
    }
  }
}
