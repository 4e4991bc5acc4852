package io.mesh4j.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the demo says and returns when it cannot run, and the end-of-run summary. */
class DemoStartupTest {
  @TempDir Path dir;
  final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  String printed() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void helpPrintsTheUsageAndSucceeds() {
    assertThat(Demo.run(new String[] {"--help"}, out, false)).isZero();
    assertThat(printed()).startsWith("usage: java -jar mesh4j-demo.jar [options]")
        .contains("--no-scenario", "Exit status: 0");
  }

  @Test
  void aBadOptionExitsWithTwoAndSaysWhy() {
    assertThat(Demo.run(new String[] {"--duration", "1s"}, out, false)).isEqualTo(2);
    assertThat(printed()).isEqualTo("mesh4j demo: --duration: 1s (expected: at least 8s for the scenario)\n"
        + "run with --help for the options\n");
  }

  @Test
  void anInvalidConfigExitsWithTwoAndListsEveryError() throws IOException {
    Path config = Files.writeString(dir.resolve("mesh.yaml"), """
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: 127.0.0.1:18081, weight: 0 }]
            retry: { attempts: 0 }
        """);
    assertThat(Demo.run(new String[] {"--config", config.toString()}, out, false)).isEqualTo(2);
    assertThat(printed()).startsWith("mesh4j demo: the config is not valid:")
        .contains("clusters[0].endpoints[0].weight", "clusters[0].retry.attempts");
  }

  @Test
  void anEndpointTheDemoCannotRunExitsWithTwoBeforeStartingAnything() throws IOException {
    Path config = Files.writeString(dir.resolve("mesh.yaml"), """
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: 10.1.2.3:8080 }] }
        """);
    assertThat(Demo.run(new String[] {"--config", config.toString()}, out, false)).isEqualTo(2);
    assertThat(printed()).isEqualTo("mesh4j demo: cannot start: clusters[inventory].endpoints[0]: "
        + "10.1.2.3:8080 (the demo runs every endpoint itself: use 127.0.0.1:<port>)\n");
  }

  @Test
  void aPortInUseExitsWithTwoAndNamesIt() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      DemoOptions options = new DemoOptions(Duration.ofSeconds(7), null, true, true, port, 0, true, 10, 1);
      Demo.Outcome outcome = Demo.run(options, out, false);
      assertThat(outcome.status()).isEqualTo(2);
      assertThat(outcome.report()).isNull();
      assertThat(printed()).startsWith("mesh4j demo: cannot start: port " + port
          + " (frontend) is already in use");
    }
  }

  @Test
  void theSummaryNamesEveryExpectationThatDidNotHold() {
    Tally run = new Tally("run");
    run.record(RequestKind.ITEMS, 200, "inventory-1", false, null);
    run.record(RequestKind.ITEMS, 502, null, false, "got 502 (expected 200): frontend: mesh4j: ...");
    Scenario.Report report = new Scenario.Report(List.of(
        new Scenario.Act("Act 4/7  Kill inventory-1", run, List.of(
            new Scenario.Check("Act 4/7  Kill inventory-1", "no client request failed", false, "1 of 2 failed"),
            new Scenario.Check("Act 4/7  Kill inventory-1", "the frontend retried", true, "3 retries")))),
        run, 3, 2.5, 40.25);

    assertThat(report.passed()).isFalse();
    assertThat(Scenario.summary(report)).isEqualTo("""
        Summary
          requests 2   successes 1   failures 1   retries 3
          latency  p50 2.5 ms   p99 40.3 ms   (client -> frontend -> inventory and back, on 127.0.0.1)
          expectations: 1 held, 1 failed
        1 expectation did not hold:
          Act 4/7  Kill inventory-1: no client request failed: 1 of 2 failed""");
  }
}
