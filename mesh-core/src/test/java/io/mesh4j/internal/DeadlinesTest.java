package io.mesh4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DeadlinesTest {
  static final String GRPC = "grpc-timeout";
  static final String MS = "x-envoy-expected-rq-timeout-ms";

  @Test
  void grpcTimeoutsParseInEveryUnit() {
    assertThat(Deadlines.parse(GRPC, "1H")).isEqualTo(Duration.ofHours(1).toNanos());
    assertThat(Deadlines.parse(GRPC, "2M")).isEqualTo(Duration.ofMinutes(2).toNanos());
    assertThat(Deadlines.parse(GRPC, "3S")).isEqualTo(Duration.ofSeconds(3).toNanos());
    assertThat(Deadlines.parse(GRPC, "300m")).isEqualTo(Duration.ofMillis(300).toNanos());
    assertThat(Deadlines.parse(GRPC, "7u")).isEqualTo(7_000L);
    assertThat(Deadlines.parse(GRPC, "99999999n")).isEqualTo(99_999_999L);
    assertThat(Deadlines.parse(GRPC, " 5S ")).isEqualTo(Duration.ofSeconds(5).toNanos());
  }

  @Test
  void malformedGrpcTimeoutsAreInvalidNeverAnException() {
    for (String bad : new String[] {"", "S", "5", "5s", "5x", "-5S", "123456789S", "1.5S", "5 S"}) {
      assertThat(Deadlines.parse(GRPC, bad)).as(bad).isEqualTo(-1);
    }
    assertThat(Deadlines.parse(GRPC, null)).isEqualTo(-1);
  }

  @Test
  void millisecondHeadersTakeWholeNonNegativeMilliseconds() {
    assertThat(Deadlines.parse(MS, "300")).isEqualTo(Duration.ofMillis(300).toNanos());
    assertThat(Deadlines.parse(MS, "0")).isZero();
    assertThat(Deadlines.parse(MS, "999999999999999999")).isEqualTo(Long.MAX_VALUE);
    for (String bad : new String[] {"", "-1", "1.5", "300ms", "1e3", "0x10", "1234567890123456789"}) {
      assertThat(Deadlines.parse(MS, bad)).as(bad).isEqualTo(-1);
    }
  }

  @Test
  void formattingRoundsUpAndFitsGrpcsEightDigits() {
    assertThat(Deadlines.format(MS, Duration.ofMillis(250).toNanos())).isEqualTo("250");
    assertThat(Deadlines.format(MS, Duration.ofMillis(250).toNanos() + 1)).isEqualTo("251");
    assertThat(Deadlines.format(MS, 1)).isEqualTo("1");
    assertThat(Deadlines.format(MS, -5)).isEqualTo("0");
    assertThat(Deadlines.format(GRPC, 99_999_999L)).isEqualTo("99999999n");
    assertThat(Deadlines.format(GRPC, Duration.ofMillis(300).toNanos())).isEqualTo("300000u");
    assertThat(Deadlines.format(GRPC, Duration.ofSeconds(200).toNanos())).isEqualTo("200000m");
    assertThat(Deadlines.format(GRPC, Duration.ofDays(3650).toNanos())).isEqualTo("5256000M");
    assertThat(Deadlines.format(GRPC, Long.MAX_VALUE)).isEqualTo("2562048H");
    for (long n : new long[] {1, 999, 1_000_001, 123_456_789_012L, Duration.ofHours(30).toNanos()}) {
      String v = Deadlines.format(GRPC, n);
      assertThat(Deadlines.parse(GRPC, v)).as(v).isGreaterThanOrEqualTo(n);
    }
  }
}
