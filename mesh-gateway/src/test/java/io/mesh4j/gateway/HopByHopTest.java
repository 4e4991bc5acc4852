package io.mesh4j.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HopByHopTest {

  @ParameterizedTest(name = "{0} dropped: {1}")
  @CsvSource({
      "Connection, true",
      "connection, true",
      "Keep-Alive, true",
      "Proxy-Authorization, true",
      "Proxy-Authenticate, true",
      "proxy-connection, true",
      "TE, true",
      "Trailer, true",
      "Transfer-Encoding, true",
      "Upgrade, true",
      "X-Named, true",
      "x-named, true",
      "Trailers, false",
      "Proxyish, false",
      "Content-Type, false",
      "X-Other, false",
  })
  void theRfc9110HopByHopHeadersAndThoseConnectionNamesAreDropped(String name, boolean dropped) {
    List<String> options = HopByHop.connectionOptions(
        Collections.enumeration(List.of("keep-alive, X-Named", " close ")));

    assertThat(options).containsExactly("keep-alive", "x-named", "close");
    assertThat(HopByHop.drop(name, options)).isEqualTo(dropped);
  }
}
