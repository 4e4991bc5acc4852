package io.mesh4j.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.Cidr;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SourceAddressesTest {
  static final Cidr[] TRUSTED = {Cidr.parse("10.0.0.0/8"), Cidr.parse("fd00::/8")};

  @ParameterizedTest(name = "peer {0}, X-Forwarded-For [{1}] -> {2}")
  @CsvSource(delimiter = ';', nullValues = "-", textBlock = """
      192.0.2.1;   198.51.100.7;                          192.0.2.1
      10.1.1.1;    -;                                     10.1.1.1
      10.1.1.1;    '';                                    10.1.1.1
      10.1.1.1;    198.51.100.7;                          198.51.100.7
      10.1.1.1;    198.51.100.7, 10.2.2.2, 10.3.3.3;      198.51.100.7
      10.1.1.1;    203.0.113.1, 198.51.100.7, 10.2.2.2;   198.51.100.7
      10.1.1.1;    10.9.9.9, 10.2.2.2;                    10.9.9.9
      10.1.1.1;    198.51.100.7:5678;                     198.51.100.7
      10.1.1.1;    [2001:db8::1]:443;                     2001:db8::1
      10.1.1.1;    [2001:db8::1];                         2001:db8::1
      10.1.1.1;    2001:db8::1;                           2001:db8::1
      10.1.1.1;    2001:db8::1, fd00::5;                  2001:db8::1
      fd00::1;     198.51.100.7;                          198.51.100.7
      [fd00::1];   198.51.100.7;                          198.51.100.7
      10.1.1.1;    ::ffff:10.2.2.2;                       ::ffff:10.2.2.2
      10.1.1.1;    198.51.100.7, unknown;                 10.1.1.1
      10.1.1.1;    198.51.100.7, unknown, 10.2.2.2;       10.2.2.2
      10.1.1.1;    evil.example, 10.2.2.2;                10.2.2.2
      10.1.1.1;    '[2001:db8::1';                        10.1.1.1
      10.1.1.1;    ' , 198.51.100.7 ,  ';                 198.51.100.7
      not-an-ip;   198.51.100.7;                          not-an-ip
      """)
  void theRightMostUntrustedEntryIsTheSourceOnlyWhenThePeerIsTrusted(
      String peer, String header, String expected) {
    List<String> lines = header == null ? List.of() : List.of(header);

    assertThat(SourceAddresses.resolve(SourceAddresses.strip(peer), Collections.enumeration(lines), TRUSTED))
        .isEqualTo(expected);
  }

  @ParameterizedTest(name = "lines {0} -> {1}")
  @CsvSource(delimiter = ';', textBlock = """
      198.51.100.1 | 198.51.100.2;                198.51.100.2
      198.51.100.1 | 198.51.100.2, 10.0.0.3;      198.51.100.2
      198.51.100.1, 10.0.0.2 | 10.0.0.3;          198.51.100.1
      """)
  void severalHeaderLinesAreOneListInOrder(String lines, String expected) {
    List<String> values = Arrays.stream(lines.split("\\|")).map(String::trim).toList();

    assertThat(SourceAddresses.resolve("10.0.0.1", Collections.enumeration(values), TRUSTED)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "no trusted proxies: {0} stays")
  @CsvSource({"10.1.1.1", "192.0.2.1"})
  void withoutTrustedProxiesThePeerIsAlwaysTheSource(String peer) {
    assertThat(SourceAddresses.resolve(peer, Collections.enumeration(List.of("198.51.100.7")), new Cidr[0]))
        .isEqualTo(peer);
  }
}
