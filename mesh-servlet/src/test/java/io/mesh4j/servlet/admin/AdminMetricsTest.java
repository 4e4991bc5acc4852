package io.mesh4j.servlet.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.mesh4j.Mesh;
import io.mesh4j.cluster.Cluster;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Statistic;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** /mesh/metrics: the Prometheus text format, written without the Prometheus client. */
class AdminMetricsTest {

  /**
   * A strict reader of the text format 0.0.4: every line is a HELP, a TYPE or a sample; a family's
   * TYPE comes once, before its samples, which are contiguous; sample names fit their family's
   * type; no series repeats. Returns every series ({@code name{labels}}) with its value.
   */
  static Map<String, Double> parse(String text) {
    String name = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    Pattern help = Pattern.compile("# HELP (" + name + ") (.*)");
    Pattern type = Pattern.compile("# TYPE (" + name + ") (counter|gauge|summary|histogram|untyped)");
    Pattern sample = Pattern.compile("(" + name + ")(\\{(.*)\\})? (NaN|[+-]Inf|-?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?)");
    Pattern label = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"(,|$)");
    assertThat(text).endsWith("\n");
    Map<String, Double> out = new LinkedHashMap<>();
    Set<String> finished = new HashSet<>();
    String family = null;
    String familyType = null;
    String helpFor = null;
    int lineNo = 0;
    for (String line : text.substring(0, text.length() - 1).split("\n", -1)) {
      lineNo++;
      String where = "line " + lineNo + ": " + line;
      Matcher m;
      if ((m = help.matcher(line)).matches()) {
        assertThat(m.group(2)).as(where).doesNotContain("\n");
        if (family != null) finished.add(family);
        assertThat(finished).as(where).doesNotContain(m.group(1));
        helpFor = m.group(1);
        family = null;
      } else if ((m = type.matcher(line)).matches()) {
        if (family != null) finished.add(family);
        assertThat(helpFor == null || helpFor.equals(m.group(1))).as(where).isTrue();
        assertThat(finished).as(where).doesNotContain(m.group(1));
        family = m.group(1);
        familyType = m.group(2);
        helpFor = null;
      } else if ((m = sample.matcher(line)).matches()) {
        assertThat(family).as(where + " (sample before TYPE)").isNotNull();
        String n = m.group(1);
        boolean fits = familyType.equals("summary")
            ? n.equals(family + "_count") || n.equals(family + "_sum") || n.equals(family)
            : n.equals(family);
        assertThat(fits).as(where + " (not in family " + family + ")").isTrue();
        if (m.group(3) != null) {
          Matcher l = label.matcher(m.group(3));
          int at = 0;
          Set<String> names = new HashSet<>();
          while (at < m.group(3).length()) {
            assertThat(l.find(at) && l.start() == at).as(where + " (labels)").isTrue();
            assertThat(names.add(l.group(1))).as(where + " (repeated label)").isTrue();
            at = l.end();
          }
        }
        String series = n + (m.group(2) == null ? "" : m.group(2));
        assertThat(out).as(where + " (repeated series)").doesNotContainKey(series);
        String v = m.group(4);
        out.put(series, v.equals("NaN") ? Double.NaN : v.equals("+Inf") ? Double.POSITIVE_INFINITY
            : v.equals("-Inf") ? Double.NEGATIVE_INFINITY : Double.parseDouble(v));
      } else {
        throw new AssertionError("not a valid exposition line: " + where);
      }
    }
    return out;
  }

  @Test
  void theParserRejectsWhatPrometheusWould() {
    assertThatThrownBy(() -> parse("a 1\n")).hasMessageContaining("sample before TYPE");
    assertThatThrownBy(() -> parse("# TYPE a gauge\na{x=\"1\"} 1\na{x=\"1\"} 2\n"))
        .hasMessageContaining("repeated series");
    assertThatThrownBy(() -> parse("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\n"))
        .isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> parse("# TYPE a gauge\na{x=\"\"\"} 1\n")).isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> parse("# TYPE a gauge\na one\n")).hasMessageContaining("not a valid");
  }

  @Test
  void everyKindOfMeterIsWrittenExactly() {
    MockClock clock = new MockClock();
    SimpleMeterRegistry r = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
    Counter.builder("mesh.test.requests").description("Requests\nby \\ route").tag("route", "a\"b\\c\nd")
        .register(r).increment(3);
    Gauge.builder("mesh.test.level", () -> 0.25).baseUnit("ratio").register(r);
    Timer t = Timer.builder("mesh.test.latency").tag("outcome", "success").register(r);
    t.record(Duration.ofMillis(250));
    t.record(Duration.ofMillis(750));
    DistributionSummary.builder("mesh.test.size").baseUnit("bytes").register(r).record(1024);
    AtomicLong n = new AtomicLong(7);
    FunctionCounter.builder("mesh.test.done_total", n, AtomicLong::get).register(r);
    FunctionTimer.builder("mesh.test.ft", n, x -> 2, x -> 3000, TimeUnit.MILLISECONDS).register(r);
    TimeGauge.builder("mesh.test.age", () -> 1500, TimeUnit.MILLISECONDS).register(r);
    LongTaskTimer.builder("mesh.test.long").register(r);
    Meter.builder("mesh.test.custom", Meter.Type.OTHER,
        List.of(new Measurement((java.util.function.DoubleSupplier) () -> 4.0, Statistic.VALUE))).register(r);
    Gauge.builder("1st.odd-name", () -> Double.NaN).tag("__bad.key", "v").register(r);

    String text = PrometheusText.write(r);

    assertThat(text).isEqualTo("""
        # TYPE _1st_odd_name gauge
        _1st_odd_name{l__bad_key="v"} NaN
        # TYPE mesh_test_age_seconds gauge
        mesh_test_age_seconds 1.5
        # TYPE mesh_test_custom_value untyped
        mesh_test_custom_value 4
        # TYPE mesh_test_done_total counter
        mesh_test_done_total 7
        # TYPE mesh_test_ft_seconds summary
        mesh_test_ft_seconds_count 2
        mesh_test_ft_seconds_sum 3
        # TYPE mesh_test_latency_seconds summary
        mesh_test_latency_seconds_count{outcome="success"} 2
        mesh_test_latency_seconds_sum{outcome="success"} 1
        # TYPE mesh_test_latency_seconds_max gauge
        mesh_test_latency_seconds_max{outcome="success"} 0.75
        # TYPE mesh_test_level_ratio gauge
        mesh_test_level_ratio 0.25
        # TYPE mesh_test_long_seconds_active_count gauge
        mesh_test_long_seconds_active_count 0
        # TYPE mesh_test_long_seconds_duration_sum gauge
        mesh_test_long_seconds_duration_sum 0
        # TYPE mesh_test_long_seconds_max gauge
        mesh_test_long_seconds_max 0
        # HELP mesh_test_requests_total Requests\\nby \\\\ route
        # TYPE mesh_test_requests_total counter
        mesh_test_requests_total{route="a\\"b\\\\c\\nd"} 3
        # TYPE mesh_test_size_bytes summary
        mesh_test_size_bytes_count 1
        mesh_test_size_bytes_sum 1024
        # TYPE mesh_test_size_bytes_max gauge
        mesh_test_size_bytes_max 1024
        """);
    assertThat(parse(text)).containsEntry("mesh_test_requests_total{route=\"a\\\"b\\\\c\\nd\"}", 3.0);
  }

  @Test
  void aNameTakenByAnotherTypeIsLeftOutSoTheExpositionStaysValid() {
    SimpleMeterRegistry r = new SimpleMeterRegistry();
    Gauge.builder("clash_total", () -> 1).register(r);
    Counter.builder("clash").register(r).increment();

    String text = PrometheusText.write(r);

    assertThat(parse(text)).hasSize(1);
  }

  @Test
  void aMeterWhoseMeasurementThrowsIsLeftOutAndTheRestIsWritten() {
    SimpleMeterRegistry r = new SimpleMeterRegistry();
    Meter.builder("broken", Meter.Type.OTHER, List.of(new Measurement((java.util.function.DoubleSupplier) () -> {
      throw new IllegalStateException("boom");
    }, Statistic.VALUE))).register(r);
    Counter.builder("fine").register(r).increment();

    assertThat(parse(PrometheusText.write(r))).containsOnlyKeys("fine_total");
  }

  @ParameterizedTest
  @CsvSource({"0, 0", "3, 3", "-2, -2", "0.5, 0.5", "1.0E-4, 1.0E-4", "1.0E20, 1.0E20"})
  void numbers(double v, String text) {
    assertThat(PrometheusText.number(v)).isEqualTo(text);
  }

  @Test
  void metricsEndpointServesTheMeshRegistryThatParsesLineByLine() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Mesh mesh = Mesh.builder()
            .config(ConfigLoader.load(AdminEndpointsTest.YAML))
            .meterRegistry(registry)
            .clock(Clock.systemUTC())
            .build();
        AdminServer server = new AdminServer(new MeshAdmin(mesh))) {
      Cluster c = mesh.cluster("inventory");
      Endpoint a = c.endpoints().get(0);
      for (int i = 0; i < 3; i++) c.onOutcome(a, 200, Failure.NONE, 2_000_000);
      c.onOutcome(a, 502, Failure.NONE, 4_000_000);
      OkHttpClient client = new OkHttpClient();
      String body;
      String type;
      try (Response res = client.newCall(new Request.Builder().url(server.url("/mesh/metrics")).build()).execute()) {
        assertThat(res.code()).isEqualTo(200);
        type = res.header("Content-Type");
        body = res.body().string();
      } finally {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
      }

      assertThat(type).startsWith("text/plain").contains("version=0.0.4");
      Map<String, Double> series = parse(body);
      assertThat(series)
          .containsEntry("mesh_cluster_attempts_seconds_count{cluster=\"inventory\",outcome=\"success\"}", 3.0)
          .containsEntry("mesh_cluster_attempts_seconds_count{cluster=\"inventory\",outcome=\"failure\"}", 1.0)
          .containsEntry("mesh_endpoint_attempts_total{cluster=\"inventory\",endpoint=\"127.0.0.1:9001\",outcome=\"success\"}", 3.0)
          .containsEntry("mesh_endpoint_attempts_total{cluster=\"inventory\",endpoint=\"127.0.0.1:9001\",outcome=\"failure\"}", 1.0)
          .containsEntry("mesh_cluster_endpoints{cluster=\"inventory\"}", 2.0)
          .containsEntry("mesh_endpoint_usable{cluster=\"inventory-v2\"}", 1.0)
          .containsEntry("mesh_config_reloads_total{result=\"success\"}", 0.0);
      assertThat(series.get("mesh_cluster_attempts_seconds_sum{cluster=\"inventory\",outcome=\"success\"}"))
          .isCloseTo(0.006, within(1e-12));
      assertThat(series.get("mesh_cluster_attempts_seconds_max{cluster=\"inventory\",outcome=\"failure\"}"))
          .isCloseTo(0.004, within(1e-12));
      List<String> families = new ArrayList<>();
      for (String line : body.split("\n")) if (line.startsWith("# TYPE ")) families.add(line.split(" ")[2]);
      assertThat(families).isSorted().doesNotHaveDuplicates();
    }
  }
}
