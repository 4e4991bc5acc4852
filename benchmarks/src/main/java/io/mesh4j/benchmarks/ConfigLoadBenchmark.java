package io.mesh4j.benchmarks;

import io.mesh4j.config.ConfigException;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.MeshConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link ConfigLoader#load(String)} of the full example of {@code CONFIG.md} (the resource is a
 * copy of mesh-core's {@code config-md-example.yaml} test resource: the example plus the clusters
 * it names): parse, read with every error collected, default, validate. {@code rejected} is the
 * same document with one endpoint weight of 0, so it also pays for the second parse that finds
 * the error's line and column.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ConfigLoadBenchmark {
  private final String valid = resource("config-md-example.yaml");
  private final String invalid = reject(valid);

  @Benchmark
  public MeshConfig load() {
    return ConfigLoader.load(valid);
  }

  @Benchmark
  public ConfigException rejected() {
    try {
      ConfigLoader.load(invalid);
      throw new AssertionError("the document with weight 0 loaded");
    } catch (ConfigException e) {
      return e;
    }
  }

  private static String reject(String yaml) {
    String bad = yaml.replaceFirst("weight: ([0-9]+)", "weight: 0");
    if (bad.equals(yaml)) throw new IllegalStateException("the example has no endpoint weight");
    return bad;
  }

  private static String resource(String name) {
    try (InputStream in = ConfigLoadBenchmark.class.getResourceAsStream(name)) {
      if (in == null) throw new IllegalStateException("missing resource " + name);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
