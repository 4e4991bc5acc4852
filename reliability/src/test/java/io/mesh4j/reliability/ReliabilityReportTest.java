package io.mesh4j.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReliabilityReportTest {
  @TempDir Path dir;

  static ChaosTest.Figures figures() {
    return new ChaosTest.Figures(Duration.ofSeconds(600), 25, 2_000_000, 1_500_000, 1_400_000,
        1_399_000, 1_000, 90, 100_000, 500_000, 490_000, 495_000, 0, 20_000, 300, 1_900, 50, 25,
        80, 80, "", "", List.of());
  }

  @Test
  void theTableReplacesOnlyWhatIsBetweenTheMarkerLinesNotAQuotedMarker() throws Exception {
    Path page = dir.resolve("reliability.md");
    String before = "# Page\n\nProse quoting `" + ReliabilityReport.BEGIN + "` inline.\n\n";
    String after = "\n## Next section\n";
    Files.writeString(page, before + ReliabilityReport.BEGIN + "\nold figures\n" + ReliabilityReport.END + after,
        StandardCharsets.UTF_8);

    ReliabilityReport.write(page, figures(), 6, 0);

    String text = Files.readString(page, StandardCharsets.UTF_8);
    assertThat(text).startsWith(before + ReliabilityReport.BEGIN + "\nRun of ");
    assertThat(text).endsWith("\n" + ReliabilityReport.END + after);
    assertThat(text).doesNotContain("old figures");
    assertThat(text).contains("| **POSTs that reached a backend twice** | **0** |\n");
    assertThat(text).contains("| … succeeded | 1399000 (99.9286 %) |\n");
    assertThat(text).contains("| heap growth after GC | 6 MB |\n");
  }

  @Test
  void aPageWithoutMarkerLinesIsRefusedAndLeftAlone() throws Exception {
    Path page = dir.resolve("reliability.md");
    String text = "# Page\n\nOnly quoted: `" + ReliabilityReport.BEGIN + "` and `" + ReliabilityReport.END + "`.\n";
    Files.writeString(page, text, StandardCharsets.UTF_8);

    assertThatThrownBy(() -> ReliabilityReport.write(page, figures(), 6, 0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("missing");
    assertThat(Files.readString(page, StandardCharsets.UTF_8)).isEqualTo(text);
  }
}
