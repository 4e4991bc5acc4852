package io.mesh4j.servlet.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mesh4j.config.ArgErrors;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.ExtensionArgs;
import io.mesh4j.config.ExtensionCatalog;
import io.mesh4j.config.ExtensionKind;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.config.Secrets;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The config as /mesh/config shows it: the file format, loadable back, secrets masked. */
class AdminConfigJsonTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest
  @ValueSource(strings = {
    "/io/mesh4j/servlet/admin/config-md-example.yaml",
    "/io/mesh4j/servlet/admin/every-field.yaml"
  })
  void theJsonLoadsBackIntoAnEqualConfig(String resource) throws Exception {
    MeshConfig original = ConfigLoader.loadResource(resource);

    String json = JSON.writeValueAsString(ConfigJson.config(original));

    assertThat(ConfigLoader.load(json)).isEqualTo(original);
  }

  @Test
  void defaultsAreShownAsTheyAreInForce() throws Exception {
    MeshConfig c = ConfigLoader.load("version: 1\nservice: s\nclusters: [{ name: a, endpoints: [\"127.0.0.1:1\"] }]\n");

    JsonNode j = ConfigJson.config(c);

    assertThat(j).isEqualTo(JSON.readTree("""
        {"version": 1, "service": "s",
         "clusters": [{"name": "a", "lb": "weighted_round_robin",
           "endpoints": [{"address": "127.0.0.1:1", "weight": 1, "priority": 0,
                          "locality_weight": 1}],
           "retry": {"attempts": 2,
             "retry_on": ["connect-failure", "refused-stream", "reset", "gateway-error"],
             "retriable_status_codes": [], "backoff": {"base": "25ms", "max": "250ms"},
             "budget": {"percent": 20.0, "min_per_second": 10}, "idempotent_only": true},
           "timeout": "15s", "panic_threshold": 50, "slow_start": "0s",
           "tls": {"mode": "disabled", "verify": {"spiffe_ids": [], "subject_alt_names": []},
                   "min_version": "1.2"}}],
         "outbound": {"virtual_hosts": []},
         "inbound": {"virtual_hosts": [], "authz": {"default_action": "allow", "rules": []},
           "trusted_proxies": [], "health_path": "/mesh/health",
           "headers_with_underscores_action": "drop_header"},
         "propagate": {"headers": [], "deadline_headers": []},
         "admin": {"enabled": false, "allow_from": ["127.0.0.1/32", "::1/128"],
                   "allowed_hosts": []},
         "path_normalization": {"normalize_path": true, "merge_slashes": true,
                   "path_with_escaped_slashes_action": "reject_request"},
         "identity_sources": []}
        """));
  }

  @Test
  void extensionArgumentsAndAuthzMatcherValuesAreMaskedToo() throws Exception {
    MeshConfig c = ConfigLoader.load("""
        version: 1
        service: s
        clusters: [ { name: a, lb: { custom: sticky, args: { api_key: k1, header: x-user } },
                      endpoints: ["127.0.0.1:1"] } ]
        outbound:
          virtual_hosts:
            - name: a
              routes:
                - match: { custom: { name: tenant, args: { client_secret: k2 } } }
                  to: a
        inbound:
          authz:
            rules:
              - { action: deny, match: { headers: [ { name: authorization, prefix: Basic } ] } }
        policies: [ { name: tag, args: { nested: { password: k3 }, kept: v } } ]
        """, new TestCatalog());

    ObjectNode j = ConfigJson.config(c);

    assertThat(JSON.writeValueAsString(j)).doesNotContain("k1", "k2", "k3", "Basic");
    assertThat(j.at("/clusters/0/lb")).isEqualTo(JSON.readTree(
        "{\"custom\": \"sticky\", \"args\": {\"api_key\": \"******\", \"header\": \"x-user\"}}"));
    assertThat(j.at("/inbound/authz/rules/0/match/headers/0")).isEqualTo(JSON.readTree(
        "{\"name\": \"authorization\", \"prefix\": \"******\", \"invert\": false}"));
    assertThat(j.at("/policies/0/args")).isEqualTo(JSON.readTree(
        "{\"nested\": {\"password\": \"******\"}, \"kept\": \"v\"}"));
  }

  /** Knows the extension names the masking test uses; accepts any arguments. */
  static final class TestCatalog implements ExtensionCatalog {
    @Override
    public Set<String> names(ExtensionKind kind) {
      return switch (kind) {
        case MATCHER -> Set.of("tenant");
        case PICKER -> Set.of("sticky");
        case HEALTH_PROBE -> Set.of("http", "tcp");
        case POLICY -> Set.of("tag");
      };
    }

    @Override
    public void validate(ExtensionKind kind, String name, ExtensionArgs args, ArgErrors errors) {}
  }

  @Test
  void aFieldWhoseNameLooksSecretIsMaskedAnywhereInTheTree() throws Exception {
    ObjectNode tree = (ObjectNode) JSON.readTree("""
        {"clusters": [{"name": "a", "tls": {"client_secret": "x1", "private_key": {"pem": "x2"},
                       "password": "x3", "keystore": "kept", "monkey": "kept",
                       "api_key": null, "token_ttl": "x4"}}],
         "credentials": ["x5"]}
        """);

    ConfigJson.maskFields(tree);

    assertThat(tree).isEqualTo(JSON.readTree("""
        {"clusters": [{"name": "a", "tls": {"client_secret": "******", "private_key": "******",
                       "password": "******", "keystore": "kept", "monkey": "kept",
                       "api_key": null, "token_ttl": "******"}}],
         "credentials": "******"}
        """));
  }

  @ParameterizedTest
  @CsvSource({
    // name, secret as a config field, secret as a header name
    "password, true, true",
    "db_password, true, true",
    "passwd, true, true",
    "client-secret, true, true",
    "auth_token, true, true",
    "x-csrf-token, true, true",
    "credentials, true, true",
    "api_key, true, true",
    "x-api-key, true, true",
    "apikey, true, true",
    "private.key, true, true",
    "pwd, true, true",
    "authorization, false, true",
    "proxy-authorization, false, true",
    "cookie, false, true",
    "set-cookie, false, true",
    "x-auth, false, true",
    "x-session-id, false, true",
    "x-amz-signature, false, true",
    "keystore, false, false",
    "monkey, false, false",
    "x-request-id, false, false",
    "x-canary, false, false",
    "retry-after, false, false",
    "hash_on, false, false",
    "header, false, false",
    "x-mesh-route, false, false"
  })
  void secretNames(String name, boolean field, boolean header) {
    assertThat(Secrets.isSecretField(name)).as("field " + name).isEqualTo(field);
    assertThat(Secrets.isSecretHeader(name)).as("header " + name).isEqualTo(header);
  }

  @ParameterizedTest
  @CsvSource({
    "clusters[0].endpoints[0].weight, false",
    "outbound.virtual_hosts[0].routes[1].headers.add.authorization, true",
    "outbound.virtual_hosts[0].routes[1].headers.add.\"x-api-key\", true",
    "outbound.virtual_hosts[0].routes[1].headers.add.x-mesh-route, false",
    "inbound.virtual_hosts[0].routes[0].respond.headers.set-cookie, true",
    "clusters[0].tls.client_secret, true",
    "'', false"
  })
  void reloadErrorMessagesUnderASecretPathAreHidden(String path, boolean hidden) {
    assertThat(StateJson.secretPath(path)).isEqualTo(hidden);
  }
}
