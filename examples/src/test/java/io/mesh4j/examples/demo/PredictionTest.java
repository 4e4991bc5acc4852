package io.mesh4j.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mesh4j.Mesh;
import io.mesh4j.MeshSnapshot;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.time.FakeTime;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The scenario's expectations worked out from the built-in config (nothing is started). */
class PredictionTest {
  static final IntFunction<String> NAMES = port -> switch (port) {
    case 18081 -> "inventory-1";
    case 18082 -> "inventory-2";
    case 18083 -> "inventory-3";
    case 18091 -> "inventory-v2";
    default -> null;
  };

  final FakeTime time = new FakeTime();   // health checks never run: nothing to probe here
  Mesh mesh;

  MeshSnapshot snapshot(MeshConfig config) {
    mesh = Mesh.builder().config(config).ticker(time).scheduler(time).build();
    return mesh.current();
  }

  MeshSnapshot builtIn() {
    return snapshot(ConfigLoader.loadResource(Demo.BUILT_IN_CONFIG));
  }

  @AfterEach
  void tearDown() {
    if (mesh != null) mesh.close();
  }

  Prediction.Expected predict(MeshSnapshot s, RequestKind kind) {
    return Prediction.of(s, kind, "127.0.0.1:18080", NAMES);
  }

  @Test
  void itemsGoToInventoryInProportionToItsWeights() {
    Prediction.Expected e = predict(builtIn(), RequestKind.ITEMS);
    assertThat(e.status()).isEqualTo(200);
    assertThat(e.shares()).containsOnlyKeys("inventory-1", "inventory-2", "inventory-3");
    assertThat(e.shares().get("inventory-1")).isCloseTo(5 / 7.0, within(1e-9));
    assertThat(e.shares().get("inventory-2")).isCloseTo(1 / 7.0, within(1e-9));
    assertThat(e.canaryUpstream()).isFalse();
    assertThat(e.explanation()).isEqualTo("route inventory/default: forward inventory");
  }

  @Test
  void theSplitGivesTheCanaryTenPercentAndInventoryTheRestByWeight() {
    Map<String, Double> shares = predict(builtIn(), RequestKind.SPLIT).shares();
    assertThat(shares.get("inventory-v2")).isCloseTo(0.10, within(1e-9));
    assertThat(shares.get("inventory-1")).isCloseTo(0.90 * 5 / 7, within(1e-9));
    assertThat(shares.values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1, within(1e-9));
  }

  @Test
  void thePropagatedCanaryHeaderSendsEverythingToV2() {
    Prediction.Expected e = predict(builtIn(), RequestKind.CANARY);
    assertThat(e.shares()).containsExactly(Map.entry("inventory-v2", 1.0));
    assertThat(e.canaryUpstream()).isTrue();
  }

  @Test
  void aHeaderThatIsNotPropagatedCannotRouteUpstream() {
    MeshConfig config = ConfigLoader.loadResource(Demo.BUILT_IN_CONFIG);
    MeshConfig noPropagation = new MeshConfig(config.version(), config.service(), config.clusters(),
        config.outbound(), config.inbound(), null, config.admin(), null, null, null);
    Prediction.Expected e = predict(snapshot(noPropagation), RequestKind.CANARY);
    assertThat(e.canaryUpstream()).isFalse();
    assertThat(e.shares()).containsOnlyKeys("inventory-1", "inventory-2", "inventory-3");
  }

  @Test
  void oldUrlsAreRedirectedAndMaintenanceIsAnsweredByTheMesh() {
    MeshSnapshot s = builtIn();
    Prediction.Expected old = predict(s, RequestKind.OLD);
    assertThat(old.status()).isEqualTo(301);
    assertThat(old.location()).isEqualTo("/shop/items");
    assertThat(old.answeredByMesh()).isTrue();
    Prediction.Expected maintenance = predict(s, RequestKind.MAINTENANCE);
    assertThat(maintenance.status()).isEqualTo(503);
    assertThat(maintenance.answeredByMesh()).isTrue();
    assertThat(maintenance.shares()).isEmpty();
  }

  @Test
  void legacyPagesArePassedToTheFrontendsOwnServlet() {
    Prediction.Expected e = predict(builtIn(), RequestKind.LEGACY);
    assertThat(e.status()).isEqualTo(200);
    assertThat(e.shares()).containsExactly(Map.entry(Frontend.APP, 1.0));
    assertThat(e.answeredByMesh()).isFalse();
    assertThat(e.explanation())
        .isEqualTo("inbound route frontend/legacy passes it to the application, which answers it");
  }

  @Test
  void v2IsForwardedByTheFrontendsMeshToInventoryV2() {
    Prediction.Expected e = predict(builtIn(), RequestKind.V2);
    assertThat(e.status()).isEqualTo(200);
    assertThat(e.shares()).containsExactly(Map.entry("inventory-v2", 1.0));
    assertThat(e.answeredByMesh()).isTrue();
    assertThat(e.canaryUpstream()).isFalse();
    assertThat(e.explanation()).isEqualTo("inbound route frontend/v2 forwards to inventory-v2");
  }

  @Test
  void withoutARouteForV2TheApplicationGetsItAndAnswers404() {
    String yaml = builtInText("match: { path_separated_prefix: /v2 }",
        "match: { path_separated_prefix: /v3 }");
    Prediction.Expected e = predict(snapshot(ConfigLoader.load(yaml)), RequestKind.V2);
    assertThat(e.status()).isEqualTo(404);
    assertThat(e.shares()).isEmpty();
    assertThat(e.answeredByMesh()).isFalse();
    assertThat(e.explanation()).isEqualTo("inbound route frontend/app passes it to the application,"
        + " which answers 404 (it knows /shop/ and /legacy/ only)");
  }

  @Test
  void anEdgeCanaryShiftsLegacyPagesFromTheApplicationToV2ByWeight() {
    String yaml = builtInText("match: { prefix: /legacy/ }\n          pass: {}",
        "match: { prefix: /legacy/ }\n"
            + "          split:\n"
            + "            - { local: true, weight: 95 }\n"
            + "            - { cluster: inventory-v2, weight: 5 }");
    Prediction.Expected e = predict(snapshot(ConfigLoader.load(yaml)), RequestKind.LEGACY);
    assertThat(e.status()).isEqualTo(200);
    assertThat(e.shares()).containsOnlyKeys(Frontend.APP, "inventory-v2");
    assertThat(e.shares().get(Frontend.APP)).isCloseTo(0.95, within(1e-9));
    assertThat(e.shares().get("inventory-v2")).isCloseTo(0.05, within(1e-9));
    assertThat(e.answeredByMesh()).isFalse();
  }

  /** The built-in config's text with {@code from} (which must occur once) replaced by {@code to}. */
  static String builtInText(String from, String to) {
    try (InputStream in = PredictionTest.class.getClassLoader().getResourceAsStream(Demo.BUILT_IN_CONFIG)) {
      assertThat(in).as(Demo.BUILT_IN_CONFIG).isNotNull();
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(text.split(java.util.regex.Pattern.quote(from), -1)).as(from).hasSize(2);
      return text.replace(from, to);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @ParameterizedTest(name = "expected {0} {1}: got {2} {3} -> {4}")
  @CsvSource(nullValues = "-", value = {
      "200, -,    200, -,    true",
      "200, -,    502, -,    false",
      "301, /new, 301, /new, true",
      "301, /new, 301, /old, false",
      "301, /new, 302, /new, false",
      "-1,  -,    404, -,    true",
      "-1,  -,    503, -,    false",
      "-1,  -,    0,   -,    false",
  })
  void anAnswerMatchesWhenStatusAndLocationAreThePredictedOnes(
      int status, String location, int gotStatus, String gotLocation, boolean matches) {
    Prediction.Expected e = new Prediction.Expected(status, location, Map.of(), false, false, "");
    assertThat(e.matches(gotStatus, gotLocation)).isEqualTo(matches);
  }
}
