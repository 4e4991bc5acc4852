package io.mesh4j.benchmarks.e2e;

import static io.mesh4j.benchmarks.e2e.Cells.cell;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReportTest {
  private static final List<String> ALL = List.of("A", "B", "C", "D");

  private static RunInfo info(boolean quick) {
    Map<String, String> labels = new LinkedHashMap<>();
    for (String s : ALL) labels.put(s, "scenario " + s);
    return new RunInfo(
        Instant.parse("2026-01-02T03:04:05Z"), "benchmarks/run-e2e.sh --quick", "abc1234", quick, 2,
        Duration.ofMillis(500), Duration.ofSeconds(2), 2, "Test CPU", "Linux 6 amd64", "OpenJDK 17",
        "-Xmx512m", "3.50", "4.25", labels, Duration.ofSeconds(75));
  }

  /** Per round and concurrency: A, B, C, D with the given throughputs; latency 100 µs × A/x. */
  private static Summary summary(int a, int b, int c, int d) {
    List<List<CellResult>> rounds = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      List<CellResult> round = new ArrayList<>();
      for (int conc : List.of(1, 64)) {
        round.add(cell("A", conc, a, 100));
        round.add(cell("B", conc, b, 100L * a / b));
        round.add(cell("C", conc, c, 100L * a / c));
        round.add(cell("D", conc, d, 100L * a / d));
      }
      rounds.add(round);
    }
    return Summary.of(rounds, ALL, List.of(1, 64));
  }

  @Test
  void theSectionStatesWhenWhereAndHowAndEveryFigure() {
    String section = Report.section(info(true), summary(1000, 980, 600, 700), null);
    assertThat(section)
        .contains("| date | 2026-01-02 03:04 UTC |")
        .contains("| command | `benchmarks/run-e2e.sh --quick` |")
        .contains("| revision | abc1234 |")
        .contains("| profile | **quick smoke** (not for publication): 2 rounds × (0.5 s warm-up + 2 s measured) per cell")
        .contains("| machine | 2 cores, Test CPU, Linux 6 amd64; 1-min load average 3.50 at start, 4.25 at end |")
        .contains("| JDK | OpenJDK 17; client JVM flags `-Xmx512m` |")
        .contains("| run time | 1 min 15 s |")
        .contains("- **B**: scenario B")
        .contains("| 1 | A | 1,000 | 100 µs | 100 µs | 100 µs | 50.0 µs | 1,000 B | – | 0 |")
        .contains("| 64 | C | 600 | 166 µs | 166 µs | 166 µs | 50.0 µs | 1,000 B | 20.0 µs | 0 |")
        .contains("| 1 | 0.98× | 1.02× | 1.63× | 0.61× | 1.40× | 0.72× |")
        .contains("B/A req/s per round, lowest – highest: 0.98× – 0.98× at 1 caller, "
            + "0.98× – 0.98× at 64 callers.")
        .contains("| 1 | ✓ 0.98× | ✓ 1.02× | ✓ 1.40× vs D | ✓ 0.72× vs D |")
        .contains("No earlier run was recorded in this file.")
        .endsWith(" -->\n");
  }

  @Test
  void thePerRoundSpreadOfBOverAIsShownNextToItsMedian() {
    // B/A per round at 16 callers: 0.80, 1.05, 0.95 -> median 0.95, spread 0.80 to 1.05.
    List<List<CellResult>> rounds = List.of(
        List.of(cell("A", 16, 1_000, 100), cell("B", 16, 800, 100)),
        List.of(cell("A", 16, 1_000, 100), cell("B", 16, 1_050, 100)),
        List.of(cell("A", 16, 1_000, 100), cell("B", 16, 950, 100)));
    String section = Report.section(info(false), Summary.of(rounds, List.of("A", "B"), List.of(16)), null);
    assertThat(section)
        .contains("| 16 | 0.95× | 1.00× | – | – | – | – |")
        .contains("B/A req/s per round, lowest – highest: 0.80× – 1.05× at 16 callers.\n");
  }

  /** A G cell: {@code requests} in 1 s at 100 µs, the gateway JVM using {@code hopCpuMicros} per request. */
  private static CellResult gateway(int concurrency, long requests, long hopCpuMicros) {
    return hop("G", concurrency, requests, hopCpuMicros);
  }

  /** A cell of the hop {@code key}: {@code requests} in 1 s at 100 µs, {@code hopCpuMicros} each. */
  private static CellResult hop(String key, int concurrency, long requests, long hopCpuMicros) {
    LatencyHistogram h = new LatencyHistogram();
    for (long i = 0; i < requests; i++) h.record(100_000);
    return new CellResult(key, concurrency, requests, 0, null, 1_000_000_000L, h, requests * 50_000,
        1_000_000_000L, requests * 1_000, requests * hopCpuMicros * 1_000);
  }

  @Test
  void theGatewayHopIsComparedWithTheNginxHopOnCpuPerRequest() {
    List<List<CellResult>> rounds = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      rounds.add(List.of(
          cell("D", 1, 500, 200), gateway(1, 1000, 15),
          cell("D", 64, 500, 200), gateway(64, 250, 30)));
    }
    String section = Report.section(info(true), Summary.of(rounds, List.of("D", "G"), List.of(1, 64)), null);
    assertThat(section)
        .contains("| concurrency | G hop CPU/req | D hop CPU/req | G/D hop CPU | G/D req/s | G/D p99 |")
        .contains("| 1 | 15.0 µs | 20.0 µs | ✓ 0.75× | 2.00× | 0.50× |")
        .contains("| 64 | 30.0 µs | 20.0 µs | ✗ 1.50× | 0.50× | 0.50× |")
        .contains("| 64 | G | 250 | 100 µs | 100 µs | 100 µs | 50.0 µs | 1,000 B | 30.0 µs | 0 |");
  }

  @Test
  void jettysOwnProxyIsComparedWithNginxAndTheGatewayWithIt() {
    List<List<CellResult>> rounds = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      rounds.add(List.of(cell("D", 64, 500, 200), gateway(64, 250, 30), hop("J", 64, 400, 24)));
    }
    String section = Report.section(info(true),
        Summary.of(rounds, List.of("D", "G", "J"), List.of(64)), null);
    assertThat(section)
        .contains("| concurrency | J hop CPU/req | D hop CPU/req | J/D hop CPU | J/D req/s | G/J hop CPU |")
        .contains("| 64 | 24.0 µs | 20.0 µs | 1.20× | 0.80× | 1.25× |");
  }

  @Test
  void withoutTheGatewayScenarioThereIsNoGatewayTable() {
    String section = Report.section(info(true), summary(1000, 980, 600, 700), null);
    assertThat(section).doesNotContain("Gateway hop");
  }

  @Test
  void missedTargetsAreMarked() {
    String section = Report.section(info(false), summary(1000, 900, 800, 700), null);
    assertThat(section)
        .contains("| profile | full: 2 rounds")
        .contains("| 64 | ✗ 0.90× | ✗ 1.11× | ✗ 1.13× vs C | ✓ 0.89× vs C |");
  }

  @Test
  void theNextRunComparesWithTheFiguresThisOneRecorded() {
    String doc = "# Benchmarks\n\nintro\n\n" + Report.insert("", Report.section(info(true), summary(1000, 980, 600, 700), null))
        + "\n## After\n";
    Report.Previous previous = Report.previous(doc);
    assertThat(previous.get("mode")).isEqualTo("quick");
    assertThat(previous.get("revision")).isEqualTo("abc1234");
    assertThat(previous.get("date")).isEqualTo("2026-01-02 03:04 UTC");
    assertThat(previous.pair("B@64")).containsExactly(980, 102);
    assertThat(previous.pair("BA@1")).containsExactly(0.98, 1.02);

    String next = Report.section(info(false), summary(1000, 1000, 500, 500), previous);
    assertThat(next)
        .contains("Previous: 2026-01-02 03:04 UTC, quick profile, 2 cores, revision abc1234.")
        .contains("| 1 | 980 → 1,000 | 102 µs → 100 µs | 0.98× → 1.00× | 1.63× → 2.00× | 1.40× → 2.00× |");

    String rewritten = Report.insert(doc, next);
    assertThat(rewritten).startsWith("# Benchmarks\n\nintro\n\n<!-- e2e:begin -->\n### Last recorded run")
        .endsWith("<!-- e2e:end -->\n\n## After\n");
    assertThat(Report.previous(rewritten).get("mode")).isEqualTo("full");
  }

  @Test
  void aDocumentWithoutTheSectionHasNoPreviousRun() {
    assertThat(Report.previous("# Benchmarks\n")).isNull();
    assertThat(Report.previous("<!-- e2e:begin -->\nhand-written\n<!-- e2e:end -->\n")).isNull();
  }

  @Test
  void scenariosLeftOutLeaveTheirRatiosEmpty() {
    List<List<CellResult>> rounds = List.of(List.of(cell("A", 1, 100, 100), cell("C", 1, 90, 100)));
    String section = Report.section(info(true), Summary.of(rounds, List.of("A", "C"), List.of(1)), null);
    assertThat(section).doesNotContain("Ratios").doesNotContain("Targets").contains("| 1 | C | 90 |");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "0.5|0.50 µs", "12.34|12.3 µs", "123.4|123 µs", "9999|9999 µs", "10000|10.0 ms", "123456|123.5 ms"})
  void latenciesKeepThreeSignificantDigits(double micros, String text) {
    assertThat(Report.micros(micros)).isEqualTo(text);
  }
}
