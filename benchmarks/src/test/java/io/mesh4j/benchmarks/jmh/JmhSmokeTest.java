package io.mesh4j.benchmarks.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.junit.jupiter.api.Test;

/**
 * Keeps the JMH suite from rotting without benchmarking in CI: every benchmark the annotation
 * processor registered runs once, for every parameter combination, in this JVM (no fork, no
 * warm-up, one 100 ms iteration), with the GC profiler, and must produce a finite positive score
 * and an allocation figure. The whole suite takes a few seconds per hundred combinations.
 */
class JmhSmokeTest {

  @Test
  void everyBenchmarkRunsOneTinyIterationForEveryParameterSet() throws Exception {
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    Set<BenchmarkListEntry> entries = BenchmarkList.defaultList()
        .getAll(OutputFormatFactory.createFormatInstance(quiet, VerboseMode.SILENT), List.of());
    assertThat(entries).as("benchmarks registered by jmh-generator-annprocess").isNotEmpty();
    int expected = 0;
    Set<String> names = new TreeSet<>();
    for (BenchmarkListEntry e : entries) {
      names.add(e.getUsername());
      int combinations = 1;
      Map<String, String[]> params = e.getParams().orElse(Map.of());
      for (String[] values : params.values()) combinations *= values.length;
      expected += combinations;
    }

    Collection<RunResult> results = new Runner(new OptionsBuilder()
        .include("io\\.mesh4j\\.benchmarks\\..*")
        .forks(0)
        .warmupIterations(0)
        .measurementIterations(1)
        .measurementTime(TimeValue.milliseconds(100))
        .addProfiler(GCProfiler.class)
        .shouldFailOnError(true)
        .verbosity(VerboseMode.SILENT)
        .build()).run();

    assertThat(results).hasSize(expected);
    Set<String> ran = results.stream().map(r -> r.getParams().getBenchmark()).collect(Collectors.toCollection(TreeSet::new));
    assertThat(ran).isEqualTo(names);
    List<String> bad = new ArrayList<>();
    for (RunResult r : results) {
      double score = r.getPrimaryResult().getScore();
      if (!(score > 0) || Double.isInfinite(score)) bad.add(r.getParams().id() + " scored " + score);
      if (!r.getSecondaryResults().containsKey(JmhSummary.ALLOC_NORM)) bad.add(r.getParams().id() + " has no " + JmhSummary.ALLOC_NORM);
    }
    assertThat(bad).isEmpty();
    String table = JmhSummary.table(results);
    assertThat(table.lines().count()).isEqualTo(2 + expected);
  }
}
