package io.mesh4j.benchmarks;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.context.MeshContext;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.observe.AttemptSpan;
import io.mesh4j.observe.CallSpan;
import io.mesh4j.observe.MeshTracer;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.Route;
import io.mesh4j.okhttp.MeshOkHttp;
import io.mesh4j.opentelemetry.MeshOpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What tracing costs a mesh call: the same mesh GET as {@link InterceptorOverheadBenchmark#mesh}
 * against the same loopback server, with {@code tracing=off} (no tracer: {@link MeshTracer#noop()},
 * the default) and {@code tracing=on} ({@code mesh-opentelemetry} over the OpenTelemetry SDK,
 * every span sampled, recorded and handed to a span processor that keeps the last one (what an
 * exporter's queue would take, without its I/O): a call span and an attempt span per call, and
 * the W3C {@code traceparent} injected into the attempt). {@code off} runs the exact code path of
 * an untraced mesh, so its {@code gc.alloc.rate.norm} should equal {@link
 * InterceptorOverheadBenchmark#mesh}'s; the difference between {@code on} and {@code off}, halved,
 * is the cost per span. Compare the caller's CPU per call ({@code callerCpuNanos / calls}) on a
 * busy machine. {@code spans} isolates the tracer from the network: one call span and one attempt
 * span started, the attempt's trace context injected, both ended, as the client does per call
 * ({@code off}: the no-op tracer, which the adapters do not even call):
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar TracingOverheadBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class TracingOverheadBenchmark {
  @Param({"off", "on"})
  public String tracing;

  private InterceptorOverheadBenchmark.LoopbackServer server;
  private OpenTelemetrySdk otel;
  private Mesh mesh;
  private OkHttpClient wrapped;
  private Request request;
  private MeshTracer tracer;
  private Route route;
  private Endpoint endpoint;
  private final RequestView view = new View();
  private Blackhole sink;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    server = new InterceptorOverheadBenchmark.LoopbackServer();
    Mesh.Builder b = Mesh.builder().config(ConfigLoader.load("""
        version: 1
        service: bench
        clusters:
          - name: inventory
            endpoints: [{ address: 127.0.0.1:%d }]
        """.formatted(server.port())));
    if (tracing.equals("on")) {
      otel = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
          .setSampler(Sampler.alwaysOn()).addSpanProcessor(new HandOff()).build()).build();
      b.tracer(MeshOpenTelemetry.tracer(otel));
    }
    mesh = b.build();
    wrapped = MeshOkHttp.wrap(new OkHttpClient(), mesh);
    request = new Request.Builder().url("http://inventory/api/items").build();
    tracer = mesh.tracer();
    route = mesh.current().outbound().match(view).route();
    endpoint = mesh.cluster("inventory").endpoints().get(0);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    mesh.close();
    if (otel != null) otel.close();
    wrapped.connectionPool().evictAll();
    server.close();
  }

  @Benchmark
  public void call(InterceptorOverheadBenchmark.CallerCpu cpu, Blackhole bh) throws IOException {
    long start = THREADS.getCurrentThreadCpuTime();
    try (Response r = wrapped.newCall(request).execute()) {
      bh.consume(r.code());
      bh.consume(r.body().source().readByteArray());
    }
    cpu.callerCpuNanos += THREADS.getCurrentThreadCpuTime() - start;
    cpu.calls++;
  }

  @Benchmark
  public void spans(Blackhole bh) {
    sink = bh;
    CallSpan call = tracer.startCall(tracer.parent(MeshContext.EMPTY), view, route, "inventory");
    AttemptSpan attempt = call.attempt(endpoint, 1, false, null);
    attempt.inject(this::header);
    attempt.end(200, Failure.NONE, true);
    call.end(200, "response", null);
  }

  private void header(String name, String value) {
    sink.consume(value);
  }

  /** Keeps the last ended span, so spans escape as they do into an exporter's queue. */
  static final class HandOff implements SpanProcessor {
    volatile ReadableSpan last;

    @Override public void onStart(Context parentContext, ReadWriteSpan span) { }
    @Override public boolean isStartRequired() { return false; }
    @Override public void onEnd(ReadableSpan span) { last = span; }
    @Override public boolean isEndRequired() { return true; }
  }

  /** The request the client's spans describe. */
  private static final class View implements RequestView {
    @Override public String method() { return "GET"; }
    @Override public String scheme() { return "http"; }
    @Override public String authority() { return "inventory"; }
    @Override public String path() { return "/api/items"; }
    @Override public String query() { return null; }
    @Override public String header(String name) { return null; }
    @Override public String sourceAddress() { return null; }
  }

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();
}
