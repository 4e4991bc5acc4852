package io.mesh4j.route;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestPathTest {

  @Test
  void aCanonicalPathIsReturnedAsTheSameInstance() {
    for (String p : new String[] {"/", "/a", "/a/b/", "/a.b/..c/c..", "/.well-known/x", "/a/...", "/~u"}) {
      assertThat(RequestPath.DEFAULT.canonical(p)).as(p).isSameAs(p);
    }
  }

  /** RFC 3986 §5.4 normal and abnormal examples, reduced to their paths (base /b/c/d;p). */
  @ParameterizedTest
  @CsvSource({
      "/b/c/g, /b/c/g",
      "/b/c/./g, /b/c/g",
      "/b/c/g/, /b/c/g/",
      "/b/c/., /b/c/",
      "/b/c/./, /b/c/",
      "/b/c/.., /b/",
      "/b/c/../, /b/",
      "/b/c/../g, /b/g",
      "/b/c/../.., /",
      "/b/c/../../, /",
      "/b/c/../../g, /g",
      "/b/c/g., /b/c/g.",
      "/b/c/.g, /b/c/.g",
      "/b/c/g.., /b/c/g..",
      "/b/c/..g, /b/c/..g",
      "/b/c/./../g, /b/g",
      "/b/c/./g/., /b/c/g/",
      "/b/c/g/./h, /b/c/g/h",
      "/b/c/g/../h, /b/c/h",
      "/./g, /g",
      "/a/b/c/./../../g, /a/g",
      "/mid/content=5/../6, /mid/6",
  })
  void removesDotSegmentsAsRfc3986(String raw, String canonical) {
    assertThat(RequestPath.DEFAULT.canonical(raw)).isEqualTo(canonical);
  }

  @ParameterizedTest
  @CsvSource({
      "/%69nternal/x, /internal/x",
      "/%7Eu/%2d%2E%5f, /~u/-._",
      "/a%2ex, /a.x",
      "/%2e%2e/x, ",
      "/a/%2e%2E/x, /x",
      "/a/%2e/x, /a/x",
      "/a%20b, /a%20b",
      "/a%c3%a9, /a%C3%A9",
      "/a%3bb, /a%3Bb",
      "/internal;jsessionid=1/x, /internal/x",
      "/internal;/x, /internal/x",
      "/a/..;/internal/x, /internal/x",
      "/a;x=1, /a",
      "//internal//x, /internal/x",
      "/a//, /a/",
      "/public/../internal/x, /internal/x",
      "/./internal/x, /internal/x",
  })
  void decodesUnreservedStripsParametersMergesSlashes(String raw, String canonical) {
    assertThat(RequestPath.DEFAULT.canonical(raw)).isEqualTo(canonical);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "/..", "/../x", "/a/../../x", "/%2e%2e/x", "/a%2fb", "/a%2Fb", "/a%5cb", "/a\\b", "/a%00",
      "/a%0a", "/a%7f", "/a%1", "/a%zz", "/a%", "a", "", "*", "/a\tb", "/a\u0000"
  })
  void rejectsWhatServersDisagreeOn(String raw) {
    assertThat(RequestPath.DEFAULT.canonical(raw)).as(raw).isNull();
  }

  @ParameterizedTest
  @CsvSource({
      "/v2/items/a%20b/%C3%A9;m=1, /v2/items/a%20b/%C3%A9;m=1",
      "/a;v=1/b, /a;v=1/b",
      "/a;x/../b;y, /b;y",
      "/a/..;x/b, /b",
      "/;x//a;jsessionid=1/./b, /a;jsessionid=1/b",
      "/%69nternal;p/x, /internal;p/x",
      "/plain/x, /plain/x",
  })
  void forwardedKeepsTheParametersOfSurvivingSegments(String raw, String forwarded) {
    assertThat(RequestPath.DEFAULT.forwarded(raw)).isEqualTo(forwarded);
    assertThat(RequestPath.DEFAULT.canonical(RequestPath.DEFAULT.forwarded(raw))).isEqualTo(RequestPath.DEFAULT.canonical(raw));
  }

  @Test
  void forwardedIsNullExactlyWhenCanonicalIs() {
    assertThat(RequestPath.DEFAULT.forwarded("/a;x/../../b")).isNull();
    assertThat(RequestPath.DEFAULT.forwarded("/a%2fb;x")).isNull();
    String p = "/a/b";
    assertThat(RequestPath.DEFAULT.forwarded(p)).isSameAs(p);
  }

  @Test
  void canonicalIsIdempotent() {
    for (String p : new String[] {"/a/%2e/b;c/../%7e%41", "/x//y/./z/..", "/%c3%a9;p/q"}) {
      String once = RequestPath.DEFAULT.canonical(p);
      assertThat(RequestPath.DEFAULT.canonical(once)).isSameAs(once);
    }
  }

  @Test
  void isWithinComparesWholeSegments() {
    assertThat(RequestPath.isWithin("/sandbox/x", "/sandbox/")).isTrue();
    assertThat(RequestPath.isWithin("/sandbox", "/sandbox/")).isTrue();
    assertThat(RequestPath.isWithin("/sandboxes", "/sandbox")).isFalse();
    assertThat(RequestPath.isWithin("/etc/passwd", "/sandbox/")).isFalse();
    assertThat(RequestPath.isWithin("/x", "/")).isTrue();
  }
}
