package io.mesh4j.servlet.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.mesh4j.Mesh;
import io.mesh4j.cluster.Cluster;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.internal.ClusterInternals;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** /mesh/metrics: the application's PrometheusMeterRegistry, scraped by Micrometer; 501 without one. */
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

  /** Status, content type and body of {@code GET /mesh/metrics} with {@code accept} (or none). */
  record Reply(int status, String type, String body) {}

  static Reply scrape(MeterRegistry registry, String accept) throws Exception {
    try (Mesh mesh = Mesh.builder()
            .config(ConfigLoader.load(AdminEndpointsTest.YAML))
            .meterRegistry(registry)
            .clock(Clock.systemUTC())
            .build();
        AdminServer server = new AdminServer(new MeshAdmin(mesh))) {
      Cluster c = mesh.cluster("inventory");
      Endpoint a = c.endpoints().get(0);
      for (int i = 0; i < 3; i++) ClusterInternals.onOutcome(c, a, 200, Failure.NONE, 2_000_000);
      ClusterInternals.onOutcome(c, a, 502, Failure.NONE, 4_000_000);
      OkHttpClient client = new OkHttpClient();
      Request.Builder get = new Request.Builder().url(server.url("/mesh/metrics"));
      if (accept != null) get.header("Accept", accept);
      try (Response res = client.newCall(get.build()).execute()) {
        return new Reply(res.code(), res.header("Content-Type"), res.body().string());
      } finally {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
      }
    }
  }

  static PrometheusMeterRegistry prometheus() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  /** The mesh's meters as Prometheus sees them, whoever wrote the page. */
  static void assertMeshSeries(Map<String, Double> series) {
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
  }

  @Test
  void theApplicationsPrometheusRegistryIsServedAsText004ThatParsesLineByLine() throws Exception {
    Reply r = scrape(prometheus(), null);

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.type()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
    assertMeshSeries(parse(r.body()));
    List<String> families = new ArrayList<>();
    for (String line : r.body().split("\n")) if (line.startsWith("# TYPE ")) families.add(line.split(" ")[2]);
    assertThat(families).doesNotHaveDuplicates();
  }

  @Test
  void aPrometheusRegistryInsideTheApplicationsCompositeIsTheOneScraped() throws Exception {
    CompositeMeterRegistry inner = new CompositeMeterRegistry();
    inner.add(prometheus());
    CompositeMeterRegistry outer = new CompositeMeterRegistry();
    outer.add(new SimpleMeterRegistry());
    outer.add(inner);

    Reply r = scrape(outer, "text/plain");

    assertThat(r.status()).isEqualTo(200);
    assertMeshSeries(parse(r.body()));
  }

  @Test
  void openMetricsIsServedWhenTheScraperAsksForIt() throws Exception {
    Reply r = scrape(prometheus(),
        "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.type()).startsWith("application/openmetrics-text; version=1.0.0");
    assertThat(r.body()).endsWith("# EOF\n")
        .contains("# TYPE mesh_endpoint_attempts counter\n")
        .contains("mesh_endpoint_attempts_total{cluster=\"inventory\",endpoint=\"127.0.0.1:9001\",outcome=\"success\"} 3.0");
  }

  @Test
  void withoutAPrometheusRegistryTheAnswerIs501SayingWhatToPass() throws Exception {
    CompositeMeterRegistry composite = new CompositeMeterRegistry();
    composite.add(new SimpleMeterRegistry());

    Reply simple = scrape(new SimpleMeterRegistry(), null);
    Reply none = scrape(composite, null);

    assertThat(simple.status()).isEqualTo(501);
    assertThat(simple.type()).isEqualTo("application/json;charset=utf-8");
    assertThat(simple.body()).contains("(SimpleMeterRegistry) is not one and holds none")
        .contains("Mesh.builder().meterRegistry(...)");
    assertThat(none.status()).isEqualTo(501);
    assertThat(none.body()).contains("(CompositeMeterRegistry) is not one and holds none");
    assertThat(composite.getRegistries()).as("the application's composite is left as it was")
        .hasSize(1);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "|text",
      "*/*|text",
      "text/plain;version=0.0.4|text",
      "application/openmetrics-text|openmetrics",
      "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4|openmetrics",
      "application/openmetrics-text;q=0.3,text/plain;q=0.9|text",
      "application/openmetrics-text;q=0|text",
      "application/openmetrics-text;q=x|text",
      "APPLICATION/OpenMetrics-Text ; q=1|openmetrics"})
  void theFormatFollowsTheAcceptHeader(String accept, String format) {
    assertThat(PrometheusScrape.negotiate(accept)).isEqualTo(
        format.equals("text") ? PrometheusScrape.TEXT : PrometheusScrape.OPEN_METRICS);
  }
}
