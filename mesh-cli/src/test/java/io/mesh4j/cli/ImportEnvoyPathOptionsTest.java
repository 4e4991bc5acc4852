package io.mesh4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.PathNormalizationConfig;
import io.mesh4j.config.PathNormalizationConfig.EscapedSlashes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mesh4j import-envoy} carries the connection manager's path options into
 * {@code path_normalization}, refuses disagreeing listeners naming both, and never prints a
 * credential-like header's pattern (issue 15).
 */
class ImportEnvoyPathOptionsTest {
  static final String HCM =
      "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3."
          + "HttpConnectionManager";

  @TempDir Path dir;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  /** A listener; {@code options} are HCM fields, several separated by {@code "; "}. */
  static String listener(String name, String options, String headers) {
    String text = """
          - name: %s
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  '@type': %s
                  stat_prefix: %s
                  %s
                  route_config:
                    virtual_hosts:
                    - name: %s
                      domains: [%s]
                      routes: [{match: {prefix: /, headers: [%s]}, route: {cluster: app}}]
        """.formatted(name, HCM, name, "OPTIONS", name, name, headers);
    int at = text.indexOf("OPTIONS");
    String indent = " ".repeat(at - text.lastIndexOf('\n', at) - 1);
    return text.replace("OPTIONS", options.replace("; ", "\n" + indent));
  }

  int importEnvoy(String listeners, String... args) throws IOException {
    Path envoy = dir.resolve("envoy.yaml");
    Files.writeString(envoy, """
        static_resources:
          listeners:
        %s
          clusters:
          - name: app
            type: STATIC
            load_assignment:
              cluster_name: app
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 8080 } } }
        """.formatted(listeners));
    String[] all = new String[args.length + 2];
    all[0] = "import-envoy";
    all[1] = envoy.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    out.reset();
    err.reset();
    return new Main(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)).run(all);
  }

  String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void theConnectionManagersPathOptionsBecomePathNormalization() throws IOException {
    int code = importEnvoy(listener("out", "normalize_path: false; "
        + "path_with_escaped_slashes_action: UNESCAPE_AND_REDIRECT", ""));

    assertThat(code).as(err()).isZero();
    assertThat(err()).doesNotContain("normalize_path").doesNotContain("escaped_slashes");
    assertThat(ConfigLoader.load(out()).pathNormalization()).isEqualTo(
        new PathNormalizationConfig(false, true, EscapedSlashes.UNESCAPE_AND_REDIRECT));
    assertThat(out()).contains("path_normalization");
  }

  @Test
  void twoListenersWithDifferentPathOptionsAreRefusedNamingBoth() throws IOException {
    int code = importEnvoy(listener("out", "normalize_path: true", "")
        + listener("in", "path_with_escaped_slashes_action: KEEP_UNCHANGED", ""),
        "--inbound", "in");

    assertThat(code).isEqualTo(1);
    assertThat(out()).isEmpty();
    assertThat(err()).contains("REJECTED").contains("Listener in")
        .contains("differ from those of Listener out filter_chains[0].filters[0].typed_config");
  }

  @Test
  void anUnknownEscapedSlashActionIsAParseErrorNamingTheField() throws IOException {
    int code = importEnvoy(listener("out", "path_with_escaped_slashes_action: DROP", ""));

    assertThat(code).isEqualTo(3);
    assertThat(err()).contains("DROP").contains("field path_with_escaped_slashes_action")
        .contains("expected one of IMPLEMENTATION_SPECIFIC_DEFAULT, KEEP_UNCHANGED");
  }

  @Test
  void anInvalidPatternOnACredentialHeaderIsRejectedWithoutPrintingIt() throws IOException {
    String header = "{name: authorization, safe_regex_match: {regex: 'Bearer s3cr3t-('}}";

    int text = importEnvoy(listener("out", "", header));
    String textErr = err();
    int json = importEnvoy(listener("out", "", header), "--json");

    assertThat(text).isEqualTo(1);
    assertThat(textErr).contains("not a valid java.util.regex pattern").doesNotContain("s3cr3t");
    assertThat(json).isEqualTo(1);
    assertThat(out()).contains("not a valid java.util.regex pattern").doesNotContain("s3cr3t");
    assertThat(err()).doesNotContain("s3cr3t");
  }
}
