package io.mesh4j.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DurationParserTest {

  @ParameterizedTest(name = "{0} is {1} ms")
  @CsvSource({
    "0s, 0",
    "0ms, 0",
    "1ms, 1",
    "250ms, 250",
    "2s, 2000",
    "1.5s, 1500",
    "0.001s, 1",
    "1.000s, 1000",
    "1m, 60000",
    "0.5m, 30000",
    "1h, 3600000",
    "8760h, 31536000000",
    "007s, 7000",
  })
  void validDurationsParseToWholeMilliseconds(String text, long millis) {
    assertThat(DurationParser.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "5          | \"5\" (expected: a duration with a unit: ms, s, m or h, e.g. 250ms, 2s, 1m)",
    "0          | \"0\" (expected: a duration with a unit: ms, s, m or h, e.g. 250ms, 2s, 1m)",
    "5S         | \"5S\" (expected: a duration with a unit: ms, s, m or h, e.g. 250ms, 2s, 1m)",
    "5 s        | \"5 s\" (expected: a duration with a unit: ms, s, m or h, e.g. 250ms, 2s, 1m)",
    "1d         | \"1d\" (expected: a duration with a unit: ms, s, m or h, e.g. 250ms, 2s, 1m)",
    "1us        | \"1us\" (expected: a duration with a unit: ms, s, m or h, e.g. 250ms, 2s, 1m)",
    "s          | \"s\" (expected: a duration with a unit: ms, s, m or h, e.g. 250ms, 2s, 1m)",
    ".5s        | \".5s\" (expected: a duration with a unit: ms, s, m or h, e.g. 250ms, 2s, 1m)",
    "5.s        | \"5.s\" (expected: a duration with a unit: ms, s, m or h, e.g. 250ms, 2s, 1m)",
    "+5s        | \"+5s\" (expected: a duration with a unit: ms, s, m or h, e.g. 250ms, 2s, 1m)",
    "1e3ms      | \"1e3ms\" (expected: a duration with a unit: ms, s, m or h, e.g. 250ms, 2s, 1m)",
    "1m30s      | \"1m30s\" (expected: a duration with a unit: ms, s, m or h, e.g. 250ms, 2s, 1m)",
    "-1s        | \"-1s\" (expected: a duration >= 0)",
    "-0.5ms     | \"-0.5ms\" (expected: a duration >= 0)",
    "0.5ms      | \"0.5ms\" (expected: a whole number of milliseconds)",
    "0.0001s    | \"0.0001s\" (expected: a whole number of milliseconds)",
    "1.0005s    | \"1.0005s\" (expected: a whole number of milliseconds)",
    "8761h      | \"8761h\" (expected: at most 8760h)",
    "99999999999999999999999999h | \"99999999999999999999999999h\" (expected: at most 8760h)",
  })
  void invalidDurationsAreRejectedWithTheValueAndTheRule(String text, String message) {
    assertThatThrownBy(() -> DurationParser.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @ParameterizedTest(name = "{0} ms formats as {1}")
  @CsvSource({
    "0, 0s",
    "1, 1ms",
    "1500, 1500ms",
    "2000, 2s",
    "90000, 90s",
    "120000, 2m",
    "7200000, 2h",
    "-2000, -2s",
  })
  void formatUsesTheLargestExactUnit(long millis, String text) {
    assertThat(DurationParser.format(Duration.ofMillis(millis))).isEqualTo(text);
  }

  @ParameterizedTest(name = "{0} formats as {1}")
  @CsvSource({
    "PT0.0000015S, 1500ns",
    "PT1000000000000000S, PT277777777777H46M40S",
  })
  void formatShowsSubMillisecondAndHugeDurationsExactly(String iso, String text) {
    assertThat(DurationParser.format(Duration.parse(iso))).isEqualTo(text);
  }
}
