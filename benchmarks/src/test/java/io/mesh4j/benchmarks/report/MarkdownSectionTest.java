package io.mesh4j.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class MarkdownSectionTest {

  @Test
  void theSectionIsReplacedAndTheTextAroundItKept() {
    String doc = "# T\n\nbefore\n<!-- jmh:begin -->\nold\n<!-- jmh:end -->\nafter\n";
    assertThat(MarkdownSection.replace(doc, "jmh", "new\nlines\n"))
        .isEqualTo("# T\n\nbefore\n<!-- jmh:begin -->\nnew\nlines\n<!-- jmh:end -->\nafter\n");
  }

  @Test
  void anotherSectionIsLeftAlone() {
    String doc = "<!-- e2e:begin -->\nE\n<!-- e2e:end -->\n<!-- jmh:begin -->\nJ\n<!-- jmh:end -->\n";
    assertThat(MarkdownSection.replace(doc, "e2e", "X\n"))
        .isEqualTo("<!-- e2e:begin -->\nX\n<!-- e2e:end -->\n<!-- jmh:begin -->\nJ\n<!-- jmh:end -->\n");
    assertThat(MarkdownSection.body(doc, "jmh")).isEqualTo("J\n");
  }

  @ParameterizedTest(name = "[{index}] appended after a blank line")
  @CsvSource(delimiter = '|', value = {
    "''|''",
    "'# T'|'# T\n\n'",
    "'# T\n'|'# T\n\n'",
    "'# T\n\n'|'# T\n\n'",
  })
  void withoutTheSectionItIsAppended(String doc, String prefix) {
    String d = doc.replace("\\n", "\n");
    String p = prefix.replace("\\n", "\n");
    assertThat(MarkdownSection.replace(d, "e2e", "S\n")).isEqualTo(p + "<!-- e2e:begin -->\nS\n<!-- e2e:end -->\n");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "'<!-- e2e:begin -->\nx'|<!-- e2e:begin --> without a following <!-- e2e:end -->",
    "'x <!-- e2e:end -->'|<!-- e2e:end --> without a preceding <!-- e2e:begin -->",
    "'<!-- e2e:end --><!-- e2e:begin -->'|<!-- e2e:end --> without a preceding <!-- e2e:begin -->",
    "'<!-- e2e:begin --><!-- e2e:end --><!-- e2e:begin --><!-- e2e:end -->'|<!-- e2e:begin --> or <!-- e2e:end --> appears more than once",
  })
  void aDamagedSectionIsRefusedRatherThanDuplicated(String doc, String message) {
    String d = doc.replace("\\n", "\n");
    assertThatThrownBy(() -> MarkdownSection.replace(d, "e2e", "S\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void aMissingSectionHasNoBody() {
    assertThat(MarkdownSection.body("# T\n", "e2e")).isNull();
    assertThat(MarkdownSection.body("<!-- e2e:end --><!-- e2e:begin -->", "e2e")).isNull();
  }
}
