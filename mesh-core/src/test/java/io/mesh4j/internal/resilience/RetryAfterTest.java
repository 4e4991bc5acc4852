package io.mesh4j.internal.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RetryAfterTest {
  /** Sun, 06 Nov 1994 08:49:00 GMT. */
  private static final long NOW_1994 = 784_111_740_000L;
  /** Wed, 01 Jan 2025 00:00:00 GMT. */
  private static final long NOW_2025 = 1_735_689_600_000L;

  @ParameterizedTest(name = "[{index}] \"{0}\" -> {1}s")
  @CsvSource(
      value = {
        "0,                0",
        "1,                1",
        "120,              120",
        "'  30\t',         30",
        "007,              7",
        "99999999999999999999999, 9223372036",
        "NULL,             -1",
        "'',               -1",
        "'   ',            -1",
        "-1,               -1",
        "+5,               -1",
        "1.5,              -1",
        "5s,               -1",
        "'5 6',            -1",
        "soon,             -1",
      },
      nullValues = "NULL")
  void delaySecondsAreDigitsOnly(String value, long seconds) {
    long expected = seconds < 0 ? RetryAfter.ABSENT : seconds * 1_000_000_000L;
    assertThat(RetryAfter.parseNanos(value, NOW_1994)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "[{index}] \"{0}\" -> {1}s")
  @CsvSource({
    "'Sun, 06 Nov 1994 08:49:37 GMT',     37",
    "'Sunday, 06-Nov-94 08:49:37 GMT',    37",
    "'Sun Nov  6 08:49:37 1994',          37",
    "'Sun, 06 Nov 1994 09:49:00 GMT',     3600",
    "'Sun, 06 Nov 1994 08:48:00 GMT',     0",
    "'Sun, 06 Nov 1994 08:49:00 GMT',     0",
    "'Sat, 01 Jan 1994 00:00:00 GMT',     0",
    "'Mon, 06 Nov 1994 08:49:37 GMT',     -1",
    "'Sun, 06 Nov 1994 08:49:37 +0000',   -1",
    "'Sun, 06 Nov 1994 08:49:37 PST',     -1",
    "'Sun, 31 Feb 1994 08:49:37 GMT',     -1",
    "'Sun, 06 Nov 1994 25:49:37 GMT',     -1",
    "'Sun Nov 6 08:49:37 1994',           -1",
    "'Tomorrow, 06-Nov-94 08:49:37 GMT',  -1",
    "'06 Nov 1994 08:49:37 GMT',          -1",
  })
  void httpDatesInAllThreeFormsAreHonouredAndBadOnesIgnored(String value, long seconds) {
    long expected = seconds < 0 ? RetryAfter.ABSENT : seconds * 1_000_000_000L;
    assertThat(RetryAfter.parseNanos(value, NOW_1994)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "[{index}] \"{0}\" -> year {1}")
  @CsvSource({
    // More than 50 years ahead means the most recent past year with those digits (RFC 9110).
    "'Thursday, 01-Jan-76 00:00:00 GMT',  1976",
    "'Wednesday, 01-Jan-70 00:00:00 GMT', 2070",
  })
  void rfc850TwoDigitYearsAreNeverMoreThanFiftyYearsAhead(String value, int year) {
    java.time.Instant at = RetryAfter.parseHttpDate(value, NOW_2025);
    assertThat(at).isNotNull();
    assertThat(at.atZone(java.time.ZoneOffset.UTC).getYear()).isEqualTo(year);
  }
}
