package io.mesh4j.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.ConfigValidator;
import io.mesh4j.config.ConfigWriter;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.config.PathNormalizationConfig;
import io.mesh4j.config.PathNormalizationConfig.EscapedSlashes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code path_normalization}: each option's effect on {@link RequestPath}, and its floor. */
class RequestPathOptionsTest {

  private static RequestPath rules(boolean normalize, boolean merge, EscapedSlashes action) {
    return RequestPath.of(new PathNormalizationConfig(normalize, merge, action));
  }

  @Test
  void theDefaultsAreEnvoysSafeOnes() {
    assertThat(RequestPath.of(PathNormalizationConfig.DEFAULT)).isSameAs(RequestPath.DEFAULT);
    assertThat(PathNormalizationConfig.DEFAULT)
        .isEqualTo(new PathNormalizationConfig(true, true, EscapedSlashes.REJECT_REQUEST));
    assertThat(RequestPath.DEFAULT.canonical("/a/%2Fb")).isNull();
    assertThat(RequestPath.DEFAULT.refusal("/a/%2fb")).isEqualTo(PathRefusal.ESCAPED_SLASH);
    assertThat(RequestPath.DEFAULT.redirect("/a/%2fb")).isNull();
  }

  /** normalize_path: false never rewrites, and never passes what a server would resolve. */
  @ParameterizedTest
  @CsvSource({
      "/public/../internal/x, dot-segment",
      "/./internal/x, dot-segment",
      "/internal/x/., dot-segment",
      "/internal/..;x/y, dot-segment",
      "/%69nternal/x, escaped-unreserved",
      "/%2e%2e/internal, escaped-unreserved",
      "/../x, dot-segment",
  })
  void withoutNormalizationDotSegmentsAndUnreservedEscapesAreRefused(String raw, String reason) {
    RequestPath r = rules(false, true, EscapedSlashes.REJECT_REQUEST);
    assertThat(r.canonical(raw)).as(raw).isNull();
    assertThat(r.forwarded(raw)).as(raw).isNull();
    assertThat(r.refusal(raw).tag()).as(raw).isEqualTo(reason);
  }

  @Test
  void withoutNormalizationEverythingElseIsStillCanonical() {
    RequestPath r = rules(false, true, EscapedSlashes.REJECT_REQUEST);
    assertThat(r.canonical("/a//b;x=1/c%3b")).isEqualTo("/a/b/c%3B");
    assertThat(r.forwarded("/a;v=1/b")).isEqualTo("/a;v=1/b");
    String p = "/api/v1/items";
    assertThat(r.canonical(p)).isSameAs(p);
    assertThat(r.refusal("/a/%2Fb")).isEqualTo(PathRefusal.ESCAPED_SLASH);
  }

  @ParameterizedTest
  @CsvSource({
      "//a, //a",
      "/a//b/, /a//b/",
      "/a//../b, /a/b",
      "/a/b//.., /a/b/",
      "///, ///",
      "/a/;x/b, /a//b",
  })
  void withoutMergingEmptySegmentsAreKept(String raw, String canonical) {
    RequestPath r = rules(true, false, EscapedSlashes.REJECT_REQUEST);
    assertThat(r.canonical(raw)).isEqualTo(canonical);
    assertThat(RequestPath.DEFAULT.canonical(raw)).isNotEqualTo(canonical);
  }

  @Test
  void withoutMergingAnEmptySegmentsParameterIsForwardedWithIt() {
    RequestPath r = rules(true, false, EscapedSlashes.REJECT_REQUEST);
    assertThat(r.forwarded("/a/;x/b")).isEqualTo("/a/;x/b");
    assertThat(r.canonical(r.forwarded("/a/;x/b"))).isEqualTo(r.canonical("/a/;x/b"));
  }

  @ParameterizedTest
  @CsvSource({
      "/a%2Fb/c, /a%2Fb/c",
      "/a%2fb/c, /a%2Fb/c",
      "/a%5cb, /a%5Cb",
      "/x/%2F../y, /x/%2F../y",
  })
  void keepUnchangedKeepsEscapedSlashesAsOneSegment(String raw, String canonical) {
    RequestPath r = rules(true, true, EscapedSlashes.KEEP_UNCHANGED);
    assertThat(r.canonical(raw)).isEqualTo(canonical);
  }

  @ParameterizedTest
  @CsvSource({
      "/a%2Fb/c, /a/b/c",
      "/a%5Cb, /a/b",
      "/x/..%2F..%2Fy, ",
      "/box/..%2Fsecret, /secret",
      "/%2F%2Fevil.example/x, /evil.example/x",
  })
  void unescapeAndForwardTurnsThemIntoSlashesBeforeNormalizing(String raw, String canonical) {
    RequestPath r = rules(true, true, EscapedSlashes.UNESCAPE_AND_FORWARD);
    assertThat(r.canonical(raw)).isEqualTo(canonical);
    assertThat(r.redirect(raw)).isNull();
    if (canonical == null) assertThat(r.refusal(raw)).isEqualTo(PathRefusal.ABOVE_ROOT);
  }

  @Test
  void unescapeAndRedirectAnswersTheUnescapedCanonicalPath() {
    RequestPath r = rules(true, true, EscapedSlashes.UNESCAPE_AND_REDIRECT);
    assertThat(r.canonical("/a%2Fb;v=1/c")).isNull();
    assertThat(r.refusal("/a%2Fb;v=1/c")).isNull();
    assertThat(r.redirect("/a%2Fb;v=1/c")).isEqualTo("/a/b;v=1/c");
    assertThat(r.redirect("/a/b")).isNull();
    assertThat(r.canonical("/a/b")).isEqualTo("/a/b");
    // The target is stable: following the redirect is accepted as is.
    assertThat(r.canonical(r.redirect("/x/..%2Fy/%2e/z"))).isEqualTo("/y/z");
  }

  @Test
  void unescapeAndRedirectNeverRedirectsToAProtocolRelativePath() {
    RequestPath r = rules(true, false, EscapedSlashes.UNESCAPE_AND_REDIRECT);
    assertThat(r.redirect("/%2Fevil.example/x")).isNull();
    assertThat(r.refusal("/%2Fevil.example/x")).isEqualTo(PathRefusal.UNSAFE_REDIRECT);
    // With merged slashes the same spelling lands on this host's own /evil.example/x.
    RequestPath merged = rules(true, true, EscapedSlashes.UNESCAPE_AND_REDIRECT);
    assertThat(merged.redirect("/%2Fevil.example/x")).isEqualTo("/evil.example/x");
  }

  /** The floor holds under every combination of options. */
  @Test
  void controlCharactersBackslashesMalformedEscapesAndClimbsAreRefusedUnderEveryOption() {
    for (boolean normalize : new boolean[] {true, false}) {
      for (boolean merge : new boolean[] {true, false}) {
        for (EscapedSlashes action : EscapedSlashes.values()) {
          RequestPath r = rules(normalize, merge, action);
          String as = normalize + "/" + merge + "/" + action;
          assertThat(r.refusal("/a%00b")).as(as).isEqualTo(PathRefusal.CONTROL_CHARACTER);
          assertThat(r.refusal("/a\nb")).as(as).isEqualTo(PathRefusal.CONTROL_CHARACTER);
          assertThat(r.refusal("/a\\b")).as(as).isEqualTo(PathRefusal.BACKSLASH);
          assertThat(r.refusal("/a%zz")).as(as).isEqualTo(PathRefusal.MALFORMED_ESCAPE);
          assertThat(r.refusal("/a%2")).as(as).isEqualTo(PathRefusal.MALFORMED_ESCAPE);
          assertThat(r.refusal("a/b")).as(as).isEqualTo(PathRefusal.NOT_ABSOLUTE);
          assertThat(r.canonical("/..")).as(as).isNull();
          assertThat(r.canonical("/a/../../b")).as(as).isNull();
          assertThat(r.canonical("/a/./b")).as(as).isNotEqualTo("/a/./b");
        }
      }
    }
  }

  @Test
  void theSectionLoadsWritesBackAndWarnsWhenNormalizationIsOff() {
    MeshConfig c = ConfigLoader.load("""
        version: 1
        service: s
        path_normalization:
          normalize_path: false
          merge_slashes: false
          path_with_escaped_slashes_action: unescape_and_redirect
        """);
    assertThat(c.pathNormalization())
        .isEqualTo(new PathNormalizationConfig(false, false, EscapedSlashes.UNESCAPE_AND_REDIRECT));
    assertThat(ConfigLoader.load(ConfigWriter.yaml(c))).isEqualTo(c);
    assertThat(ConfigValidator.warnings(c)).first().satisfies(w -> {
      assertThat(w.path()).isEqualTo("path_normalization.normalize_path");
      assertThat(w.message()).contains("refused");
    });
    MeshConfig partial = ConfigLoader.load("""
        version: 1
        service: s
        path_normalization: { merge_slashes: false }
        """);
    assertThat(partial.pathNormalization())
        .isEqualTo(new PathNormalizationConfig(true, false, EscapedSlashes.REJECT_REQUEST));
    assertThat(ConfigValidator.warnings(partial)).extracting(w -> w.path())
        .containsExactly("path_normalization.merge_slashes");
  }

  @Test
  void aBadActionIsAnErrorNamingTheKeyAndTheChoices() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConfigLoader.load("""
        version: 1
        service: s
        path_normalization: { path_with_escaped_slashes_action: REJECT_REQUEST, merge: true }
        """))
        .hasMessageContaining("path_normalization.path_with_escaped_slashes_action")
        .hasMessageContaining("unescape_and_forward")
        .hasMessageContaining("path_normalization.merge");
  }

  @Test
  void theBuilderSetsTheSectionOnce() {
    PathNormalizationConfig p = new PathNormalizationConfig(true, true, EscapedSlashes.KEEP_UNCHANGED);
    MeshConfig c = MeshConfig.builder().service("s").pathNormalization(p).build();
    assertThat(c.pathNormalization()).isEqualTo(p);
    assertThat(MeshConfig.builder().service("s").build().pathNormalization())
        .isEqualTo(PathNormalizationConfig.DEFAULT);
    org.assertj.core.api.Assertions.assertThatThrownBy(() ->
            MeshConfig.builder().pathNormalization(p).pathNormalization(p))
        .isInstanceOf(IllegalStateException.class);
  }
}
