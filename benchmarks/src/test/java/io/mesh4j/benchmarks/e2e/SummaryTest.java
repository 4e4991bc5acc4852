package io.mesh4j.benchmarks.e2e;

import static io.mesh4j.benchmarks.e2e.Cells.cell;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SummaryTest {

  @Test
  void rowsAreMediansAcrossRounds() {
    List<List<CellResult>> rounds = List.of(
        List.of(cell("A", 1, 1_000, 100)),
        List.of(cell("A", 1, 3_000, 300)),
        List.of(cell("A", 1, 2_000, 900)));
    Summary.Row row = Summary.of(rounds, List.of("A"), List.of(1)).row("A", 1);
    assertThat(row.rounds()).isEqualTo(3);
    assertThat(row.throughput()).isEqualTo(2_000);
    assertThat(row.p50()).isEqualTo(300);
    assertThat(row.p99()).isEqualTo(300);
    assertThat(row.clientCpu()).isEqualTo(50);
    assertThat(row.allocated()).isEqualTo(1_000);
    assertThat(row.sidecarCpu()).isNaN();
    assertThat(row.errors()).isZero();
  }

  @Test
  void ratiosAreMediansOfThePerRoundRatiosNotRatiosOfMedians() {
    // B/A per round: 0.5, 1.0, 0.9 -> median 0.9; the ratio of medians would be 1100 / 1000 = 1.1.
    List<List<CellResult>> rounds = List.of(
        List.of(cell("A", 16, 2_000, 100), cell("B", 16, 1_000, 200)),
        List.of(cell("A", 16, 1_000, 100), cell("B", 16, 1_000, 100)),
        List.of(cell("A", 16, 500, 100), cell("B", 16, 450, 110)));
    Summary s = Summary.of(rounds, List.of("A", "B"), List.of(16));
    Summary.Ratio ba = s.ratio("B", "A", 16);
    assertThat(ba.throughput()).isEqualTo(0.9);
    assertThat(ba.p99()).isEqualTo(1.1);
    assertThat(ba.lowestThroughput()).isEqualTo(0.5);
    assertThat(ba.highestThroughput()).isEqualTo(1.0);
    assertThat(s.ratio("B", "C", 16)).isNull();
  }

  @Test
  void theBestSidecarIsTheOneWithMoreThroughput() {
    List<List<CellResult>> rounds = List.of(List.of(
        cell("C", 1, 900, 100), cell("D", 1, 1_000, 100),
        cell("C", 64, 1_100, 100), cell("D", 64, 1_000, 100)));
    Summary s = Summary.of(rounds, List.of("C", "D"), List.of(1, 64));
    assertThat(s.bestSidecar(1)).isEqualTo("D");
    assertThat(s.bestSidecar(64)).isEqualTo("C");
    assertThat(s.row("C", 1).sidecarCpu()).isEqualTo(20);
    assertThat(Summary.of(rounds, List.of("A"), List.of(1)).bestSidecar(1)).isNull();
  }

  @Test
  void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwoAndNaNsAreIgnored() {
    assertThat(Summary.median(Arrays.asList(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
    assertThat(Summary.median(Arrays.asList(Double.NaN, 7.0, 5.0))).isEqualTo(6.0);
    assertThat(Summary.median(List.of(Double.NaN))).isNaN();
    assertThat(Summary.median(List.of())).isNaN();
  }

  @Test
  void aScenarioWithoutSuccessesHasNaNFiguresAndItsErrorsCounted() {
    CellResult failed = new CellResult("B", 1, 0, 42, "java.io.IOException: refused", 1_000_000_000L,
        new LatencyHistogram(), 1_000_000, 1_000_000_000L, 100, -1);
    Summary.Row row = Summary.of(List.of(List.of(failed)), List.of("B"), List.of(1)).row("B", 1);
    assertThat(row.throughput()).isZero();
    assertThat(row.p99()).isNaN();
    assertThat(row.clientCpu()).isNaN();
    assertThat(row.errors()).isEqualTo(42);
    assertThat(row.firstError()).isEqualTo("java.io.IOException: refused");
  }
}
