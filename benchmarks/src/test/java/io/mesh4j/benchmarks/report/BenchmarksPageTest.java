package io.mesh4j.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docs/benchmarks.md must keep exactly one pair of each runner's markers: a stray copy (in prose,
 * or from a hand merge) would make the runners refuse the page after measuring for minutes.
 */
class BenchmarksPageTest {
  private static final Path PAGE = Path.of("..", "docs", "benchmarks.md");

  @ParameterizedTest
  @ValueSource(strings = {"e2e", "jmh"})
  void thePageHoldsExactlyOneGeneratedSectionOfEachRunner(String name) throws IOException {
    String page = Files.readString(PAGE, StandardCharsets.UTF_8);
    MarkdownSection.validate(page, name);
    assertThat(MarkdownSection.body(page, name)).isNotNull();
  }
}
