package io.mesh4j.benchmarks;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.observe.MeshTracer;
import io.mesh4j.okhttp.MeshOkHttp;
import io.mesh4j.opentelemetry.MeshOpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
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
 * every span sampled and recorded, none exported: a call span and an attempt span per call, and
 * the W3C {@code traceparent} injected into the attempt). {@code off} runs the exact code path of
 * an untraced mesh, so its {@code gc.alloc.rate.norm} should equal {@link
 * InterceptorOverheadBenchmark#mesh}'s; the difference between {@code on} and {@code off}, halved,
 * is the cost per span. Compare the caller's CPU per call ({@code callerCpuNanos / calls}) on a
 * busy machine:
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
          .setSampler(Sampler.alwaysOn()).build()).build();
      b.tracer(MeshOpenTelemetry.tracer(otel));
    }
    mesh = b.build();
    wrapped = MeshOkHttp.wrap(new OkHttpClient(), mesh);
    request = new Request.Builder().url("http://inventory/api/items").build();
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

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();
}
