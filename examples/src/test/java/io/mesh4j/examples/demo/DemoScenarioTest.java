package io.mesh4j.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the demo's whole scenario in-process, on free ports, with a short duration, and checks its
 * outcomes from what the clients saw (not from timings): every request answered through the kill,
 * restart and drain; shares within the configured weights; the canary header honoured and carried
 * upstream; the redirect and the direct response answered by the mesh; {@code /legacy/} answered
 * by the frontend's servlet and {@code /v2/} forwarded by its MeshFilter to {@code inventory-v2}.
 */
class DemoScenarioTest {
  static Demo.Outcome outcome;
  static String output;

  @BeforeAll
  @Timeout(240)
  static void runTheScenario() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    outcome = Demo.run(DemoOptions.ephemeral(Duration.ofSeconds(14), null, 100), out, false);
    output = bytes.toString(StandardCharsets.UTF_8);
  }

  Scenario.Report report() {
    assertThat(outcome.report()).as(output).isNotNull();
    return outcome.report();
  }

  @Test
  void everyExpectationHoldsAndTheExitStatusIsZero() {
    assertThat(report().checks()).as(output).allMatch(Scenario.Check::passed);
    assertThat(report().checks()).hasSizeGreaterThanOrEqualTo(20);
    assertThat(outcome.status()).isZero();
    assertThat(output).contains("Every expectation held.");
  }

  @Test
  void noClientRequestFailsThroughTheKillTheRestartAndTheDrain() {
    for (String act : new String[] {"Act 4/8", "Act 5/8", "Act 6/8"}) {
      Tally t = report().act(act).tally();
      assertThat(t.requests()).as(act).isPositive();
      assertThat(t.failures()).as(act + ": " + t.failureSamples()).isZero();
    }
    assertThat(report().overall().failures()).as(String.valueOf(report().overall().failureSamples())).isZero();
    assertThat(report().retries()).as("the kill makes the frontend retry").isPositive();
  }

  @Test
  void theWeightedRoundRobinSharesFollowTheConfiguredWeights() {
    Map<String, Long> served = report().act("Act 1/8").tally().servedBy(RequestKind.ITEMS);
    long n = served.values().stream().mapToLong(Long::longValue).sum();
    assertThat(served).containsOnlyKeys("inventory-1", "inventory-2", "inventory-3");
    assertThat((double) served.get("inventory-1") / n).isCloseTo(5 / 7.0, within(0.05));
    assertThat((double) served.get("inventory-2") / n).isCloseTo(1 / 7.0, within(0.05));
    assertThat((double) served.get("inventory-3") / n).isCloseTo(1 / 7.0, within(0.05));
  }

  @Test
  void theSplitSendsTenPercentToTheCanary() {
    Map<String, Long> served = report().act("Act 2/8").tally().servedBy(RequestKind.SPLIT);
    long n = served.values().stream().mapToLong(Long::longValue).sum();
    assertThat((double) served.getOrDefault("inventory-v2", 0L) / n).isCloseTo(0.10, within(0.04));
  }

  @Test
  void theCanaryHeaderAlwaysReachesV2AndIsCarriedUpstreamByTheMesh() {
    Tally t = report().act("Act 3/8").tally();
    long canary = t.requests(RequestKind.CANARY);
    assertThat(canary).isPositive();
    assertThat(t.servedBy(RequestKind.CANARY)).containsExactly(Map.entry("inventory-v2", canary));
    assertThat(t.sawCanary(RequestKind.CANARY)).isEqualTo(canary);
    assertThat(t.servedBy(RequestKind.ITEMS)).doesNotContainKey("inventory-v2");
    assertThat(t.sawCanary(RequestKind.ITEMS)).isZero();
  }

  @Test
  void theRedirectAndTheDirectResponseComeFromTheMesh() {
    Tally t = report().act("Act 7/8").tally();
    assertThat(t.statuses(RequestKind.OLD)).containsOnlyKeys(301);
    assertThat(t.statuses(RequestKind.MAINTENANCE)).containsOnlyKeys(503);
  }

  @Test
  void legacyPagesStayWithTheFrontendsServletAndV2IsForwardedToInventoryV2() {
    Tally t = report().act("Act 8/8").tally();
    long legacy = t.requests(RequestKind.LEGACY);
    long v2 = t.requests(RequestKind.V2);
    assertThat(legacy).isPositive();
    assertThat(v2).isPositive();
    assertThat(t.statuses(RequestKind.LEGACY)).containsExactly(Map.entry(200, legacy));
    assertThat(t.servedBy(RequestKind.LEGACY)).containsExactly(Map.entry(Frontend.APP, legacy));
    assertThat(t.statuses(RequestKind.V2)).containsExactly(Map.entry(200, v2));
    assertThat(t.servedBy(RequestKind.V2)).containsExactly(Map.entry("inventory-v2", v2));
    assertThat(t.failures()).as(String.valueOf(t.failureSamples())).isZero();
    assertThat(output).contains(
        "PASS  the frontend's servlet never saw GET /v2/items: 0 of ",
        "PASS  its MeshFilter forwarded every GET /v2/items: ",
        "PASS  the frontend's servlet answered every GET /legacy/items itself: ");
  }

  @Test
  void eachActSaysWhatToLookForAndTheTableIsPrinted() {
    for (int i = 1; i <= 8; i++) assertThat(output).contains("Act " + i + "/8");
    assertThat(output.lines().filter(l -> l.startsWith("  look for: ")).count()).isEqualTo(8);
    assertThat(output).contains("state (frontend's view)", "Summary", "p50", "p99");
  }
}
