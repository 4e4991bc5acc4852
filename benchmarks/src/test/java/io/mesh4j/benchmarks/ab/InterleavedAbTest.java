package io.mesh4j.benchmarks.ab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InterleavedAbTest {

  @Test
  void medianOfOddAndEvenCounts() {
    assertThat(InterleavedAb.median(new double[] {3, 1, 2})).isEqualTo(2);
    assertThat(InterleavedAb.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
  }

  @Test
  void theBootstrapIntervalHoldsTheMedianAndRepeatsWithItsSeed() {
    double[] ratios = new double[101];
    for (int i = 0; i < ratios.length; i++) ratios[i] = 0.95 + i * 0.001; // median 1.0
    double[] a = InterleavedAb.bootstrapMedianInterval(ratios, 2000, 42);
    double[] b = InterleavedAb.bootstrapMedianInterval(ratios, 2000, 42);
    assertThat(a).containsExactly(b);
    assertThat(a[0]).isLessThan(1.0).isGreaterThan(0.98);
    assertThat(a[1]).isGreaterThan(1.0).isLessThan(1.02);
  }

  @Test
  void studentQuantilesFromTheTableThenTheLargeSampleValues() {
    assertThat(InterleavedAb.tQuantile975(1)).isEqualTo(12.706);
    assertThat(InterleavedAb.tQuantile975(23)).isEqualTo(2.069);
    assertThat(InterleavedAb.tQuantile975(299)).isEqualTo(1.960);
    assertThat(InterleavedAb.tQuantile975(0)).isNaN();
  }

  @Test
  void missingArgumentsAreNamed() {
    assertThatThrownBy(() -> InterleavedAb.main(new String[] {"--a", "x.jar"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--b JAR");
    assertThatThrownBy(() -> InterleavedAb.main(new String[] {"--rounds"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--rounds: missing value");
  }
}
