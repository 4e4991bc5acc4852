package io.mesh4j.benchmarks.e2e;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.servlet.MeshFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The overload comparison of issue 19 ({@code benchmarks/run-e2e.sh --overload}): a service of
 * known capacity behind {@link MeshFilter}, offered twice that capacity by an open-loop client, with
 * and without {@code inbound.concurrency_limit}.
 *
 * <h2>The service</h2>
 *
 * An embedded Jetty 12 with the filter on {@code /*} and a servlet that does its work in one of
 * {@code workers} slots (a fair semaphore: requests beyond them queue in arrival order, as in a
 * connection pool or a worker pool) for {@code service_time} each, so its capacity is exactly
 * {@code workers / service_time} requests per second. The work is a sleep, not CPU: the service's
 * capacity does not depend on the load generator's share of the (shared) cores.
 *
 * <h2>The load</h2>
 *
 * Plain OkHttp (no mesh on the client: a shed request is counted as failed, not retried elsewhere),
 * sending at a fixed rate whatever the answers (open loop), each call bounded by {@code timeout}.
 * Latency is measured from the moment a request was due, not when it went out, so a stalled sender
 * cannot hide queueing (no coordinated omission). Only requests due in the measured window count.
 *
 * <p>Cells: {@code unloaded} (half the capacity, no limit: the reference p99), then at {@code load}
 * × capacity: {@code none}, {@code gradient2} and {@code vegas} ({@code concurrency_limit} with
 * that algorithm and the default bounds). Each cell gets a fresh server.
 */
public final class OverloadMain {
  private final Duration serviceTime;
  private final int workers;
  private final double load;
  private final Duration warmup;
  private final Duration measure;
  private final Duration timeout;
  /** {@code concurrency_limit.min}, or 0 for the default. */
  private final int limitMin;
  private final PrintStream out;

  private OverloadMain(Duration serviceTime, int workers, double load, Duration warmup,
      Duration measure, Duration timeout, int limitMin, PrintStream out) {
    this.serviceTime = serviceTime;
    this.limitMin = limitMin;
    this.workers = workers;
    this.load = load;
    this.warmup = warmup;
    this.measure = measure;
    this.timeout = timeout;
    this.out = out;
  }

  /**
   * Runs the cells and prints a Markdown table.
   *
   * @param args {@code --service-time 10ms --workers 2 --load 2 --warmup 5s --measure 15s
   *     --timeout 1s} (those are the defaults), and {@code --limit-min N} for the limits' {@code
   *     min} (default: the config's default)
   */
  public static void main(String[] args) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    Duration serviceTime = Duration.ofMillis(10);
    int workers = 2;
    double load = 2;
    Duration warmup = Duration.ofSeconds(5);
    Duration measure = Duration.ofSeconds(15);
    Duration timeout = Duration.ofSeconds(1);
    int limitMin = 0;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--overload")) continue;
      if (i + 1 >= args.length) throw new IllegalArgumentException(a + ": missing value");
      String v = args[++i];
      switch (a) {
        case "--service-time" -> serviceTime = parse(v);
        case "--workers" -> workers = Integer.parseInt(v);
        case "--load" -> load = Double.parseDouble(v);
        case "--warmup" -> warmup = parse(v);
        case "--measure" -> measure = parse(v);
        case "--timeout" -> timeout = parse(v);
        case "--limit-min" -> limitMin = Integer.parseInt(v);
        default -> throw new IllegalArgumentException("unknown argument: " + a);
      }
    }
    new OverloadMain(serviceTime, workers, load, warmup, measure, timeout, limitMin,
        System.out).run();
    System.exit(0);
  }

  private static Duration parse(String v) {
    if (v.endsWith("ms")) return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
    if (v.endsWith("s")) return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
    throw new IllegalArgumentException("duration: " + v + " (expected: 10ms, 5s)");
  }

  private double capacity() {
    return workers * 1e9 / serviceTime.toNanos();
  }

  private void run() throws Exception {
    out.printf(Locale.ROOT, "overload: %d workers x %d ms = capacity %.0f req/s; offered %.1fx;"
            + " %d cores; warmup %d s, measure %d s, client timeout %d ms; limit min %s%n",
        workers, serviceTime.toMillis(), capacity(), load,
        Runtime.getRuntime().availableProcessors(), warmup.toSeconds(), measure.toSeconds(),
        timeout.toMillis(), limitMin > 0 ? limitMin : "default");
    List<Cell> cells = new ArrayList<>();
    cells.add(cell("unloaded", null, 0.5));
    cells.add(cell("none", null, load));
    cells.add(cell("gradient2", "gradient2", load));
    cells.add(cell("vegas", "vegas", load));
    double unloadedP99 = cells.get(0).p99Millis();
    out.println();
    out.println("| limit | offered req/s | goodput req/s | goodput / capacity | shed 503 | timed out"
        + " | p50 ok (ms) | p99 ok (ms) | p99 / unloaded p99 |");
    out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (Cell c : cells) {
      out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %.0f%% | %d | %d | %.1f | %.1f | %.1f× |%n",
          c.name, c.offered, c.goodput, 100 * c.goodput / capacity(), c.shed, c.failed,
          c.p50Millis(), c.p99Millis(), c.p99Millis() / unloadedP99);
    }
  }

  private Cell cell(String name, String algorithm, double factor) throws Exception {
    double rate = factor * capacity();
    String limit = algorithm == null ? null
        : algorithm + (limitMin > 0 ? ", min: " + limitMin : "");
    try (Service service = Service.start(limit, workers, serviceTime)) {
      OkHttpClient client = client();
      try {
        Cell cell = new Cell(name, rate);
        OpenLoop.run(client, service.url(), rate, warmup, measure, timeout, cell);
        out.printf(Locale.ROOT, "%-10s offered %5.0f/s  goodput %5.0f/s  shed %6d  failed %6d  p50 %7.1f ms"
                + "  p99 %7.1f ms%n",
            name, cell.offered, cell.goodput, cell.shed, cell.failed, cell.p50Millis(),
            cell.p99Millis());
        if (cell.firstError != null) out.println("  first failure: " + cell.firstError);
        return cell;
      } finally {
        client.dispatcher().executorService().shutdownNow();
        client.connectionPool().evictAll();
      }
    }
  }

  private OkHttpClient client() {
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(100_000);
    dispatcher.setMaxRequestsPerHost(100_000);
    return new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        .connectionPool(new ConnectionPool(4096, 1, TimeUnit.MINUTES))
        .retryOnConnectionFailure(false)
        .callTimeout(timeout)
        .build();
  }

  /** One cell's results. */
  static final class Cell {
    final String name;
    final double rate;
    final LatencyHistogram ok = new LatencyHistogram();
    long shed;
    long failed;
    double offered;
    double goodput;

    Cell(String name, double rate) {
      this.name = name;
      this.rate = rate;
    }

    synchronized void success(long micros) {
      ok.record(micros);
    }

    synchronized void shed() {
      shed++;
    }

    String firstError;

    synchronized void failed(String why) {
      failed++;
      if (firstError == null) firstError = why;
    }

    double p50Millis() {
      return ok.count() == 0 ? Double.NaN : ok.valueAt(50) / 1000.0;
    }

    double p99Millis() {
      return ok.count() == 0 ? Double.NaN : ok.valueAt(99) / 1000.0;
    }
  }

  /** The open-loop sender: one request every {@code 1 / rate} seconds, due times fixed ahead. */
  static final class OpenLoop {
    static void run(OkHttpClient client, HttpUrl url, double rate, Duration warmup,
        Duration measure, Duration timeout, Cell cell) throws InterruptedException {
      long interval = (long) (1e9 / rate);
      long start = System.nanoTime();
      long measureFrom = start + warmup.toNanos();
      long end = measureFrom + measure.toNanos();
      AtomicLong outstanding = new AtomicLong();
      CountDownLatch drained = new CountDownLatch(1);
      long sent = 0;
      long counted = 0;
      Request request = new Request.Builder().url(url).build();
      outstanding.incrementAndGet(); // the sender itself, released at the end
      for (long due = start; due < end; due += interval) {
        long wait = due - System.nanoTime();
        if (wait > 0) LockSupport.parkNanos(wait);
        boolean measured = due >= measureFrom;
        if (measured) counted++;
        sent++;
        long dueAt = due;
        outstanding.incrementAndGet();
        Call call = client.newCall(request);
        call.enqueue(new Callback() {
          @Override
          public void onFailure(Call c, IOException e) {
            if (measured) cell.failed(e.toString());
            done();
          }

          @Override
          public void onResponse(Call c, Response r) {
            try (r) {
              r.body().bytes();
              long micros = (System.nanoTime() - dueAt) / 1000;
              if (!measured) return;
              if (r.code() == 200) cell.success(micros);
              else if (r.code() == 503) cell.shed();
              else cell.failed("status " + r.code());
            } catch (IOException e) {
              if (measured) cell.failed(e.toString());
            } finally {
              done();
            }
          }

          private void done() {
            if (outstanding.decrementAndGet() == 0) drained.countDown();
          }
        });
      }
      if (outstanding.decrementAndGet() == 0) drained.countDown();
      drained.await(timeout.toMillis() + 10_000, TimeUnit.MILLISECONDS);
      double seconds = measure.toNanos() / 1e9;
      cell.offered = counted / seconds;
      cell.goodput = cell.ok.count() / seconds;
    }
  }

  /** The service under test: Jetty 12, MeshFilter, a worker pool of fixed capacity. */
  static final class Service implements AutoCloseable {
    private final Mesh mesh;
    private final Server server;
    private final int port;

    private Service(Mesh mesh, Server server, int port) {
      this.mesh = mesh;
      this.server = server;
      this.port = port;
    }

    /** {@code limit}: what follows {@code algorithm: } in {@code concurrency_limit}, or null. */
    static Service start(String limit, int workers, Duration serviceTime) throws Exception {
      String yaml = "version: 1\nservice: overloaded\n"
          + (limit == null ? "" : "inbound:\n  concurrency_limit: { algorithm: " + limit
              + " }\n");
      Mesh mesh = Mesh.builder().config(ConfigLoader.load(yaml)).build();
      QueuedThreadPool threads = new QueuedThreadPool(400, 16);
      threads.setName("service");
      Server server = new Server(threads);
      ServerConnector connector = new ServerConnector(server);
      connector.setHost("127.0.0.1");
      connector.setPort(0);
      connector.setAcceptQueueSize(4096);
      server.addConnector(connector);
      ServletContextHandler context = new ServletContextHandler("/");
      context.addFilter(new FilterHolder(new MeshFilter(mesh)), "/*",
          EnumSet.of(DispatcherType.REQUEST));
      context.addServlet(new ServletHolder(new Work(workers, serviceTime)), "/*");
      server.setHandler(context);
      server.start();
      return new Service(mesh, server, connector.getLocalPort());
    }

    HttpUrl url() {
      return HttpUrl.get("http://127.0.0.1:" + port + "/work");
    }

    @Override
    public void close() {
      try {
        server.stop();
      } catch (Exception ignored) {
        // Best effort.
      }
      mesh.close();
    }
  }

  /** {@code workers} slots of {@code serviceTime} each; later requests wait in arrival order. */
  static final class Work extends HttpServlet {
    private static final byte[] BODY = "done\n".getBytes(StandardCharsets.US_ASCII);
    private final Semaphore slots;
    private final long nanos;

    Work(int workers, Duration serviceTime) {
      this.slots = new Semaphore(workers, true);
      this.nanos = serviceTime.toNanos();
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
      try {
        slots.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        res.sendError(500);
        return;
      }
      try {
        long until = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = until - System.nanoTime()) {
          LockSupport.parkNanos(left);
        }
      } finally {
        slots.release();
      }
      res.setStatus(200);
      res.setContentType("text/plain");
      res.setContentLength(BODY.length);
      res.getOutputStream().write(BODY);
    }
  }
}
