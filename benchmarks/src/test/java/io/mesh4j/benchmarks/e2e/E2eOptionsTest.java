package io.mesh4j.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class E2eOptionsTest {

  @Test
  void theFullProfileRunsThreeRoundsOfNineSecondCellsInUnderSevenAndAHalfMinutesOfLoad() {
    E2eOptions o = E2eOptions.parse();
    assertThat(o.quick()).isFalse();
    assertThat(o.rounds()).isEqualTo(3);
    assertThat(o.warmup()).isEqualTo(Duration.ofSeconds(2));
    assertThat(o.measure()).isEqualTo(Duration.ofSeconds(7));
    assertThat(o.initialWarmup()).isEqualTo(Duration.ofSeconds(4));
    assertThat(o.concurrency()).containsExactly(1, 16, 64);
    assertThat(o.scenarios()).containsExactly("A", "B", "C", "D", "G");
    assertThat(o.out()).isNull();
    // 5 × 4.5 s + 3 rounds × 3 concurrencies × 5 scenarios × 9 s
    assertThat(o.plannedLoadTime()).isEqualTo(Duration.ofMillis(22_500 + 405_000));
  }

  @Test
  void theQuickProfileIsAboutAMinuteAndAHalfOfLoad() {
    E2eOptions o = E2eOptions.parse("--quick");
    assertThat(o.quick()).isTrue();
    assertThat(o.rounds()).isEqualTo(2);
    assertThat(o.warmup()).isEqualTo(Duration.ofMillis(500));
    assertThat(o.measure()).isEqualTo(Duration.ofSeconds(2));
    // 5 × 1.5 s + 2 rounds × 3 concurrencies × 5 scenarios × 2.5 s
    assertThat(o.plannedLoadTime()).isEqualTo(Duration.ofMillis(7_500 + 75_000));
  }

  @Test
  void explicitValuesOverrideTheProfile() {
    E2eOptions o = E2eOptions.parse(
        "--quick", "--rounds", "5", "--warmup", "0s", "--measure", "1.5s", "--concurrency", "2, 8",
        "--scenarios", "c,a", "--out", "x.md", "--command", "run it", "--revision", "abc");
    assertThat(o.rounds()).isEqualTo(5);
    assertThat(o.warmup()).isEqualTo(Duration.ZERO);
    assertThat(o.measure()).isEqualTo(Duration.ofMillis(1500));
    assertThat(o.concurrency()).containsExactly(2, 8);
    assertThat(o.scenarios()).containsExactly("C", "A");
    assertThat(o.out()).isEqualTo(Path.of("x.md"));
    assertThat(o.command()).isEqualTo("run it");
    assertThat(o.revision()).isEqualTo("abc");
  }

  @Test
  void withoutACommandTheArgumentsAreRecorded() {
    assertThat(E2eOptions.parse("--rounds", "1").command()).isEqualTo("java io.mesh4j.benchmarks.e2e.E2eMain --rounds 1");
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
    "--rounds|0|--rounds: 0 (expected: >= 1)",
    "--rounds|x|--rounds: x (expected: an integer)",
    "--measure|0s|--measure: 0s (expected: > 0)",
    "--warmup|-1s|--warmup: -1s (expected: >= 0)",
    "--warmup|5m|--warmup: 5m (expected: a duration like 500ms or 2s)",
    "--measure|fast|--measure: fast (expected: a duration like 500ms or 2s)",
    "--concurrency|1,0|--concurrency: 0 (expected: 1-1024)",
    "--scenarios|A,E|--scenarios: E (expected: A, B, C, D, G or J)",
    "--scenarios|A,a|--scenarios: A listed twice",
  })
  void badValuesAreRejectedWithTheArgumentNamed(String name, String value, String message) {
    assertThatThrownBy(() -> E2eOptions.parse(name, value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message + "\n" + E2eOptions.USAGE);
  }

  @Test
  void aMissingValueOrAnUnknownArgumentIsRejected() {
    assertThatThrownBy(() -> E2eOptions.parse("--out"))
        .hasMessage("--out: missing value\n" + E2eOptions.USAGE);
    assertThatThrownBy(() -> E2eOptions.parse("--fast"))
        .hasMessage("unknown argument: --fast\n" + E2eOptions.USAGE);
  }

  @Test
  void listsAreImmutable() {
    E2eOptions o = E2eOptions.parse();
    assertThatThrownBy(() -> o.concurrency().add(3)).isInstanceOf(UnsupportedOperationException.class);
    assertThat(o.scenarios()).isEqualTo(List.of("A", "B", "C", "D", "G"));
  }
}
