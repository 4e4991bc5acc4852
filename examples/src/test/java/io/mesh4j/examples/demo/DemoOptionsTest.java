package io.mesh4j.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class DemoOptionsTest {

  @Test
  void noArgumentsRunTheScenarioOnTheDocumentedPorts() throws Exception {
    assertThat(DemoOptions.parse()).isEqualTo(new DemoOptions(
        Duration.ofSeconds(70), null, true, false, 18080, 9901, false, 100, 4));
  }

  @Test
  void everyOptionIsReadInBothSpellings() throws Exception {
    assertThat(DemoOptions.parse("--duration", "2m", "--config", "my.yaml", "--quiet", "--port", "8080",
        "--admin-port=9000", "--rate=50", "--clients", "2"))
        .isEqualTo(new DemoOptions(Duration.ofMinutes(2), Path.of("my.yaml"), true, true, 8080, 9000,
            false, 50, 2));
  }

  @Test
  void withoutTheScenarioItServesUntilStoppedWithLightTraffic() throws Exception {
    DemoOptions o = DemoOptions.parse("--no-scenario");
    assertThat(o.scenario()).isFalse();
    assertThat(o.duration()).isNull();
    assertThat(o.rate()).isEqualTo(20);
    assertThat(DemoOptions.parse("--no-scenario", "--rate", "0", "--duration", "10").rate()).isZero();
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({"90, 90s", "90s, 90s", "1500ms, 1500ms", "2m, 120s", "1h, 3600s"})
  void durationsTakeAUnitOrMeanSeconds(String text, String expected) throws Exception {
    assertThat(DemoOptions.text(DemoOptions.parse("--no-scenario", "--duration", text).duration()))
        .isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "--bogus                    | unknown option: --bogus",
      "--port                     | --port: missing value",
      "--port --quiet             | --port: missing value",
      "--port 70000               | --port: 70000 (expected: 0-65535)",
      "--admin-port x             | --admin-port: x (expected: 0-65535)",
      "--port 9901                | --port and --admin-port: both 9901 (expected: two ports)",
      "--duration 3s              | --duration: 3s (expected: at least 8s for the scenario)",
      "--duration 0               | --duration: 0 (expected: > 0)",
      "--duration soon            | --duration: soon (expected: a duration such as 70s, 2m or 90)",
      "--rate 0                   | --rate: 0 (the scenario needs traffic; expected: > 0)",
      "--rate -1                  | --rate: -1 (expected: 0-10000 requests per second)",
      "--clients 0                | --clients: 0 (expected: 1-64)",
  })
  void aBadCommandLineIsRefusedWithWhatIsWrong(String args, String message) {
    assertThatThrownBy(() -> DemoOptions.parse(args.split(" ")))
        .isInstanceOf(DemoOptions.UsageException.class)
        .hasMessage(message);
  }

  @Test
  void helpIsAskedForWithEitherSpelling() {
    assertThatThrownBy(() -> DemoOptions.parse("--help")).isInstanceOf(DemoOptions.HelpRequested.class);
    assertThatThrownBy(() -> DemoOptions.parse("--quiet", "-h")).isInstanceOf(DemoOptions.HelpRequested.class);
  }
}
