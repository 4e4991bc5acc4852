package io.mesh4j.outlier;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.OutlierDetectionConfig;
import io.mesh4j.endpoint.Failure;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class OutlierDetectorTest {
  private static final long S = 1_000_000_000L;

  private static OutlierDetector detector(int c5xx, int gateway, int maxPercent) {
    return new OutlierDetector(
        new OutlierDetectionConfig(
            c5xx, gateway, Duration.ofSeconds(30), maxPercent, Duration.ofSeconds(300), true));
  }

  static Stream<Arguments> outcomes() {
    return Stream.of(
        // status, failure, 5xx streak after, gateway streak after (both start at 2)
        Arguments.of(200, Failure.NONE, 0, 0),
        Arguments.of(404, Failure.NONE, 0, 0),
        Arguments.of(499, Failure.NONE, 0, 0),
        Arguments.of(500, Failure.NONE, 3, 0),
        Arguments.of(501, Failure.NONE, 3, 0),
        Arguments.of(502, Failure.NONE, 3, 3),
        Arguments.of(503, Failure.NONE, 3, 3),
        Arguments.of(504, Failure.NONE, 3, 3),
        Arguments.of(505, Failure.NONE, 3, 0),
        Arguments.of(0, Failure.CONNECT_FAILURE, 3, 3),
        Arguments.of(0, Failure.REFUSED_STREAM, 3, 3),
        Arguments.of(0, Failure.RESET, 3, 3),
        Arguments.of(0, Failure.TIMEOUT, 3, 3),
        Arguments.of(0, Failure.CANCELLED, 2, 2),
        Arguments.of(0, Failure.OTHER, 2, 2));
  }

  @ParameterizedTest(name = "{0} {1} moves the streaks to {2}/{3}")
  @MethodSource("outcomes")
  void eachOutcomeMovesTheStreaksAsDocumented(int status, Failure failure, int fivexx, int gateway) {
    OutlierDetector d = detector(10, 10, 10);
    OutlierState s = new OutlierState();
    d.onOutcome(s, 503, Failure.NONE);
    d.onOutcome(s, 0, Failure.RESET);

    assertThat(d.onOutcome(s, status, failure)).isNull();

    assertThat(s.consecutive5xx()).isEqualTo(fivexx);
    assertThat(s.consecutiveGatewayFailures()).isEqualTo(gateway);
  }

  @Test
  void theFifthConsecutive5xxIsDetectedOnceAndOnlyOnce() {
    OutlierDetector d = detector(5, 0, 10);
    OutlierState s = new OutlierState();
    for (int i = 1; i <= 4; i++) assertThat(d.onOutcome(s, 500, Failure.NONE)).isNull();

    assertThat(d.onOutcome(s, 500, Failure.NONE)).isEqualTo(EjectionReason.CONSECUTIVE_5XX);
    assertThat(d.onOutcome(s, 500, Failure.NONE)).isNull();
  }

  @Test
  void aSuccessBreaksTheStreak() {
    OutlierDetector d = detector(3, 0, 10);
    OutlierState s = new OutlierState();
    d.onOutcome(s, 500, Failure.NONE);
    d.onOutcome(s, 500, Failure.NONE);
    d.onOutcome(s, 200, Failure.NONE);
    d.onOutcome(s, 500, Failure.NONE);

    assertThat(d.onOutcome(s, 500, Failure.NONE)).isNull();
    assertThat(d.onOutcome(s, 500, Failure.NONE)).isEqualTo(EjectionReason.CONSECUTIVE_5XX);
  }

  @Test
  void gatewayFailuresAreDetectedByTheirOwnThreshold() {
    OutlierDetector d = detector(0, 3, 10);
    OutlierState s = new OutlierState();
    d.onOutcome(s, 0, Failure.CONNECT_FAILURE);
    d.onOutcome(s, 502, Failure.NONE);

    assertThat(d.onOutcome(s, 0, Failure.TIMEOUT)).isEqualTo(EjectionReason.CONSECUTIVE_GATEWAY_FAILURE);
  }

  @Test
  void aNonGatewayServerErrorResetsTheGatewayStreakButNotThe5xxOne() {
    OutlierDetector d = detector(4, 3, 10);
    OutlierState s = new OutlierState();
    d.onOutcome(s, 503, Failure.NONE);
    d.onOutcome(s, 503, Failure.NONE);
    d.onOutcome(s, 500, Failure.NONE);

    assertThat(d.onOutcome(s, 503, Failure.NONE)).isEqualTo(EjectionReason.CONSECUTIVE_5XX);
    assertThat(s.consecutiveGatewayFailures()).isEqualTo(1);
  }

  @Test
  void the5xxDetectorWinsWhenBothCompleteOnTheSameOutcome() {
    OutlierDetector d = detector(2, 2, 10);
    OutlierState s = new OutlierState();
    d.onOutcome(s, 503, Failure.NONE);

    assertThat(d.onOutcome(s, 503, Failure.NONE)).isEqualTo(EjectionReason.CONSECUTIVE_5XX);
  }

  @Test
  void zeroThresholdsDisableDetection() {
    OutlierDetector d = detector(0, 0, 10);
    OutlierState s = new OutlierState();
    for (int i = 0; i < 100; i++) assertThat(d.onOutcome(s, 503, Failure.NONE)).isNull();
  }

  @ParameterizedTest(name = "{0} of {1} ejected, max {2}% -> may eject: {3}")
  @CsvSource({
    "0, 10, 10, true", // 10%: exactly one
    "1, 10, 10, false",
    "0, 3, 10, true", // at least one, though 1/3 > 10%
    "1, 3, 10, false",
    "0, 1, 10, true",
    "1, 1, 100, false", // nothing left to eject
    "1, 10, 20, true", // 2/10 = 20%
    "2, 10, 20, false",
    "4, 10, 50, true",
    "5, 10, 50, false",
    "0, 10, 0, true", // 0% still allows one
    "1, 10, 0, false",
    "0, 0, 10, false"
  })
  void maxEjectionPercentAllowsAtLeastOne(int ejected, int total, int percent, boolean allowed) {
    assertThat(detector(5, 5, percent).mayEject(ejected, total)).isEqualTo(allowed);
  }

  @Test
  void ejectionTimesGrowWithEachEjectionAndStopAtTheCap() {
    OutlierDetector d = detector(5, 5, 10);
    OutlierState s = new OutlierState();
    long now = 0;
    long[] expected = {30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 300, 300};
    for (long seconds : expected) {
      assertThat(d.nextEjectionTime(s, now)).isEqualTo(Duration.ofSeconds(seconds));
      Duration t = d.recordEjection(s, now);
      assertThat(t).isEqualTo(Duration.ofSeconds(seconds));
      now += t.toNanos();
      OutlierDetector.recordReturn(s, now);
    }
  }

  @Test
  void theCapIsNeverBelowTheBaseEjectionTime() {
    OutlierDetector d =
        new OutlierDetector(
            new OutlierDetectionConfig(5, 5, Duration.ofSeconds(30), 10, Duration.ofSeconds(10), true));
    assertThat(d.recordEjection(new OutlierState(), 0)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void theMultiplierDecaysByOnePerBaseEjectionTimeBackInService() {
    OutlierDetector d = detector(5, 5, 10);
    OutlierState s = new OutlierState();
    d.recordEjection(s, 0);
    OutlierDetector.recordReturn(s, 30 * S);
    d.recordEjection(s, 30 * S);
    OutlierDetector.recordReturn(s, 90 * S);
    d.recordEjection(s, 90 * S);
    OutlierDetector.recordReturn(s, 180 * S);
    assertThat(d.timesEjected(s, 180 * S)).isEqualTo(3);

    assertThat(d.timesEjected(s, 180 * S + 30 * S - 1)).isEqualTo(3);
    assertThat(d.timesEjected(s, 210 * S)).isEqualTo(2);
    assertThat(d.timesEjected(s, 240 * S)).isEqualTo(1);
    assertThat(d.nextEjectionTime(s, 240 * S)).isEqualTo(Duration.ofSeconds(60));
    assertThat(d.timesEjected(s, 270 * S)).isZero();
    assertThat(d.timesEjected(s, 10_000 * S)).isZero();
  }

  @Test
  void theMultiplierDoesNotDecayWhileEjected() {
    OutlierDetector d = detector(5, 5, 10);
    OutlierState s = new OutlierState();
    d.recordEjection(s, 0);

    assertThat(d.timesEjected(s, 1_000 * S)).isEqualTo(1);
    assertThat(s.ejected()).isTrue();
  }

  @Test
  void aReturnClearsTheStreaks() {
    OutlierDetector d = detector(5, 5, 10);
    OutlierState s = new OutlierState();
    d.onOutcome(s, 503, Failure.NONE);
    d.recordEjection(s, 0);
    OutlierDetector.recordReturn(s, S);

    assertThat(s.consecutive5xx()).isZero();
    assertThat(s.consecutiveGatewayFailures()).isZero();
    assertThat(s.ejected()).isFalse();
  }
}
