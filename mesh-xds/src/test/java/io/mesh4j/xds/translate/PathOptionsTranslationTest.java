package io.mesh4j.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.config.PathNormalizationConfig;
import io.mesh4j.config.PathNormalizationConfig.EscapedSlashes;
import io.mesh4j.xds.translate.TranslationIssue.Severity;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The connection manager's {@code normalize_path}, {@code merge_slashes} and
 * {@code path_with_escaped_slashes_action} become {@code path_normalization}.
 */
class PathOptionsTranslationTest {
  static final String ROUTES = "route_config: {name: local, virtual_hosts: [{name: svc, "
      + "domains: [svc], routes: [{match: {prefix: /}, route: {cluster: a}}]}]}";
  static final String P = "filter_chains[0].filters[0].typed_config";

  static Listener listener(String name, String options) {
    return ListenerTranslationTest.listener(name, options + ROUTES);
  }

  static Translation translate(MeshConfig base, Listener... ls) {
    List<String> names = List.of(ls).stream().map(Listener::getName).toList();
    return EnvoyTranslator.translate(
        new EnvoyResources(List.of(ls), List.of(), Envoy.abShadow(), null),
        new XdsBinding(names.subList(0, 1), names.subList(1, names.size())), base);
  }

  @Test
  void eachOptionIsCarriedOverAndNoLongerRejected() {
    Translation t = translate(null, listener("out",
        "normalize_path: false, merge_slashes: true, "
            + "path_with_escaped_slashes_action: UNESCAPE_AND_FORWARD, "));

    assertThat(t.rejected()).isEmpty();
    assertThat(t.config().pathNormalization()).isEqualTo(
        new PathNormalizationConfig(false, true, EscapedSlashes.UNESCAPE_AND_FORWARD));
  }

  @Test
  void everyEscapedSlashActionMapsByName() {
    for (EscapedSlashes a : EscapedSlashes.values()) {
      Translation t = translate(null, listener("out",
          "path_with_escaped_slashes_action: " + a.name() + ", "));
      assertThat(t.config().pathNormalization())
          .isEqualTo(new PathNormalizationConfig(true, true, a));
    }
  }

  @Test
  void unsetFieldsKeepMeshDefaultsNotEnvoysUnsafeOnes() {
    Translation t = translate(null, listener("out",
        "path_with_escaped_slashes_action: IMPLEMENTATION_SPECIFIC_DEFAULT, "));

    assertThat(t.config().pathNormalization()).isEqualTo(PathNormalizationConfig.DEFAULT);
    assertThat(translate(null, listener("out", "")).config().pathNormalization())
        .isEqualTo(PathNormalizationConfig.DEFAULT);
  }

  @Test
  void twoConnectionManagersThatDisagreeAreRefusedNamingBoth() {
    Translation t = translate(null,
        listener("out", "normalize_path: true, "),
        listener("in", "normalize_path: true, path_with_escaped_slashes_action: KEEP_UNCHANGED, "));

    assertThat(t.accepted()).isFalse();
    assertThat(t.rejected()).singleElement().satisfies(i -> {
      assertThat(i.resourceName()).isEqualTo("in");
      assertThat(i.field()).isEqualTo(P);
      assertThat(i.message()).contains("Listener out " + P)
          .contains("path_with_escaped_slashes_action: keep_unchanged")
          .contains("path_with_escaped_slashes_action: reject_request");
    });
  }

  @Test
  void twoConnectionManagersThatAgreeAreAccepted() {
    Translation t = translate(null,
        listener("out", "normalize_path: false, "), listener("in", "normalize_path: false, "));

    assertThat(t.rejected()).isEmpty();
    assertThat(t.config().pathNormalization().normalizePath()).isFalse();
  }

  @Test
  void anUnknownEnumNumberFromAControlPlaneIsRejectedNamingTheField() {
    Listener l = listener("out", "");
    var chain = l.getFilterChains(0);
    var hcm = Protos.unpack(chain.getFilters(0).getTypedConfig(), HttpConnectionManager.class)
        .toBuilder().setPathWithEscapedSlashesActionValue(9).build();
    Listener bad = l.toBuilder().setFilterChains(0, chain.toBuilder().setFilters(0,
        chain.getFilters(0).toBuilder().setTypedConfig(com.google.protobuf.Any.pack(hcm)))).build();

    Translation t = translate(null, bad);

    assertThat(t.rejected()).containsExactly(new TranslationIssue(Severity.REJECTED, "Listener",
        "out", P + ".path_with_escaped_slashes_action", "unknown value 9 (expected "
            + "KEEP_UNCHANGED, REJECT_REQUEST, UNESCAPE_AND_REDIRECT or UNESCAPE_AND_FORWARD)"));
  }

  @Test
  void anUnknownEnumNameInYamlIsAParseErrorNamingTheEnum() {
    assertThatThrownBy(() -> listener("out", "path_with_escaped_slashes_action: DROP, "))
        .isInstanceOf(EnvoyParseException.class)
        .hasMessageContaining("DROP")
        .hasMessageContaining("path_with_escaped_slashes_action");
  }

  @Test
  void aFileThatSetsPathNormalizationWinsAndTheListenersOptionsAreReportedIgnored() {
    PathNormalizationConfig file =
        new PathNormalizationConfig(true, false, EscapedSlashes.REJECT_REQUEST);
    MeshConfig base = new MeshConfig(MeshConfig.CURRENT_VERSION, "svc", List.of(), null, null,
        null, null, null, file, null);

    Translation t = translate(base, listener("out", "normalize_path: false, "));

    assertThat(t.config().pathNormalization()).isEqualTo(file);
    assertThat(t.issues()).contains(new TranslationIssue(Severity.IGNORED, "Listener", "out", P,
        "path options (normalize_path: false, merge_slashes: true, "
            + "path_with_escaped_slashes_action: reject_request): the file's path_normalization "
            + "(normalize_path: true, merge_slashes: false, path_with_escaped_slashes_action: "
            + "reject_request) wins"));
  }
}
