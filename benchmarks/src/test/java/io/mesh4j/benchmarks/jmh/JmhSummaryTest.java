package io.mesh4j.benchmarks.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JmhSummaryTest {

  @ParameterizedTest
  @CsvSource({
    "io.mesh4j.benchmarks.PickerBenchmark.oneThread, PickerBenchmark.oneThread",
    "PickerBenchmark.oneThread, PickerBenchmark.oneThread",
    "oneThread, oneThread",
  })
  void benchmarksAreNamedByClassAndMethod(String full, String shortName) {
    assertThat(JmhSummary.shortName(full)).isEqualTo(shortName);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"1.234|1.23", "12.34|12.3", "1234.5|1,235", "0.004|0.00", "NaN|–"})
  void scoresKeepThreeSignificantDigitsOrMore(double score, String text) {
    assertThat(JmhSummary.number(score)).isEqualTo(text);
  }
}
