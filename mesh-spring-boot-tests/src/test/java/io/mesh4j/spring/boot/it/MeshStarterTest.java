package io.mesh4j.spring.boot.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.mesh4j.Mesh;
import io.mesh4j.servlet.MeshFilter;
import io.mesh4j.spring.boot.MeshDrainLifecycle;
import io.mesh4j.spring.client.MeshClientHttpRequestFactory;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;

/**
 * One real application (Tomcat or Jetty, per surefire execution) with the starter, shared by every
 * test here: outbound canary through RestClient, RestTemplate and an OkHttpClient bean; inbound
 * rules before Spring Security; actuator endpoint, health, metrics and draining.
 */
class MeshStarterTest {
  static HttpServer v1;
  static HttpServer v2;
  static ConfigurableApplicationContext app;
  static String base;
  static final OkHttpClient http = new OkHttpClient();

  @BeforeAll
  static void start() {
    v1 = Apps.backend("v1");
    v2 = Apps.backend("v2");
    String yaml = """
        version: 1
        service: boot-app
        clusters:
          - name: catalog-v1
            endpoints: [{ address: "127.0.0.1:%d" }]
          - name: catalog-v2
            endpoints: [{ address: "127.0.0.1:%d" }]
        outbound:
          virtual_hosts:
            - name: catalog
              domains: [catalog]
              routes:
                - name: canary
                  match: { prefix: / }
                  split:
                    - { cluster: catalog-v1, weight: 90 }
                    - { cluster: catalog-v2, weight: 10 }
        inbound:
          virtual_hosts:
            - name: app
              domains: ["*"]
              routes:
                - name: limited
                  match: { path: /limited }
                  rate_limit: { requests_per_second: 0.001, burst: 1 }   # one token, refilled after 1000 s
                  pass: {}
                - name: app
                  match: { prefix: / }
                  pass: {}
          authz:
            default_action: allow
            rules:
              - { name: no-internal, action: deny, match: { prefix: /internal/ } }
        """.formatted(v1.getAddress().getPort(), v2.getAddress().getPort());
    app = Apps.start(Map.of("mesh4j.config", Apps.configFile(yaml), "mesh4j.shutdown.drain-delay", "0s"));
    base = "http://127.0.0.1:" + Apps.port(app);
  }

  @AfterAll
  static void stop() {
    if (app != null) app.close();
    v1.stop(0);
    v2.stop(0);
  }

  @Test
  void runsOnTheServerThisExecutionSelected() {
    assertThat(Apps.webServerClass(app)).containsIgnoringCase(Apps.SERVER);
  }

  @Test
  void restClientFollowsTheCanarySplitExactlyOver100Calls() {
    RestClient client = app.getBean(RestClient.Builder.class).build();
    assertThat(count(() -> client.get().uri("http://catalog/items").retrieve().body(String.class)))
        .containsExactlyInAnyOrderEntriesOf(Map.of("v1", 90, "v2", 10));
  }

  @Test
  void restTemplateFromBootsBuilderFollowsTheCanarySplitExactlyOver100Calls() {
    RestTemplate template = restTemplateFromBuilder();
    assertThat(count(() -> template.getForObject("http://catalog/items", String.class)))
        .containsExactlyInAnyOrderEntriesOf(Map.of("v1", 90, "v2", 10));
  }

  @Test
  void okHttpClientBeanFollowsTheCanarySplitExactlyOver100Calls() {
    OkHttpClient client = app.getBean("meshClient", OkHttpClient.class);
    assertThat(count(() -> call(client, "http://catalog/items").body))
        .containsExactlyInAnyOrderEntriesOf(Map.of("v1", 90, "v2", 10));
  }

  @Test
  void aClientMarkedNoMeshIsLeftAlone() {
    OkHttpClient direct = app.getBean("directClient", OkHttpClient.class);
    assertThat(direct.interceptors()).isEmpty();
    assertThat(app.getBean("meshClient", OkHttpClient.class).interceptors()).hasSize(1);
    // Spring's clients got the mesh's request factory.
    assertThat(app.getBean(MeshClientHttpRequestFactory.class)).isNotNull();
  }

  @Test
  void inboundAuthzDeniesBeforeSpringSecurityAndTheApplicationSeeNothing() {
    int before = TestApp.applicationHits.get();
    Reply r = call(http, base + "/internal/secret");
    assertThat(r.status).isEqualTo(403);   // Spring Security would answer 401 for no credentials
    assertThat(r.body).isEqualTo("access denied\n");
    assertThat(TestApp.applicationHits.get()).isEqualTo(before);
  }

  @Test
  void inboundRateLimitAnswersBeforeSpringSecurity() {
    int before = TestApp.applicationHits.get();
    Reply first = call(http, base + "/limited");
    Reply second = call(http, base + "/limited");
    assertThat(first.status).isEqualTo(401);   // passed the mesh, stopped by Security
    assertThat(second.status).isEqualTo(429);
    assertThat(second.body).isEqualTo("rate limited\n");
    assertThat(TestApp.applicationHits.get()).isEqualTo(before);
  }

  @Test
  void theFilterIsRegisteredAsyncForAllDispatchesBeforeSecurity() {
    @SuppressWarnings("unchecked")
    FilterRegistrationBean<MeshFilter> reg = app.getBean("meshFilter", FilterRegistrationBean.class);
    assertThat(reg.isAsyncSupported()).isTrue();
    assertThat(reg.getOrder()).isLessThan(-100);
    assertThat(reg.getUrlPatterns()).containsExactly("/*");
  }

  @Test
  void meshMetersGoToTheApplicationsRegistryAndThePrometheusScrape() {
    Mesh mesh = app.getBean(Mesh.class);
    assertThat(mesh.meterRegistry()).isSameAs(app.getBean(MeterRegistry.class));
    call(app.getBean("meshClient", OkHttpClient.class), "http://catalog/items");
    Reply scrape = call(http, base + "/actuator/prometheus");
    assertThat(scrape.status).isEqualTo(200);
    assertThat(scrape.body).contains("mesh_client_").contains("mesh_cluster_endpoints");
  }

  @Test
  void actuatorEndpointShowsClustersRoutesAndExplains() {
    Reply r = call(http, base + "/actuator/mesh");
    assertThat(r.status).isEqualTo(200);
    assertThat(r.body).contains("\"service\":\"boot-app\"", "\"catalog-v1\"", "\"canary\"",
        "\"draining\":false");
    Reply explain = call(http, base + "/actuator/mesh/outbound?url=http://catalog/items");
    assertThat(explain.status).isEqualTo(200);
    assertThat(explain.body).contains("\"route\":\"canary\"", "\"action\":\"split\"");
    Reply bad = call(http, base + "/actuator/mesh/sideways?url=http://catalog/items");
    assertThat(bad.status).isEqualTo(400);
  }

  @Test
  void writeOperationsAreOffUnlessExposed() throws IOException {
    Request post = new Request.Builder().url(base + "/actuator/mesh")
        .post(okhttp3.RequestBody.create("{\"draining\":true}", okhttp3.MediaType.get("application/json")))
        .build();
    try (Response r = http.newCall(post).execute()) {
      assertThat(r.code()).isNotEqualTo(200).isNotEqualTo(204);
    }
    assertThat(app.getBean(Mesh.class).isDraining()).isFalse();
  }

  @Test
  void aDrainedInstanceIsOutOfServiceInHealthActuatorAndTheMeshHealthEndpoint() {
    Mesh mesh = app.getBean(Mesh.class);
    assertThat(call(http, base + "/actuator/health/mesh").body).contains("\"status\":\"UP\"");
    mesh.drain();
    try {
      Reply health = call(http, base + "/actuator/health/mesh");
      assertThat(health.status).isEqualTo(503);
      assertThat(health.body).contains("\"status\":\"OUT_OF_SERVICE\"");
      assertThat(call(http, base + "/actuator/mesh").body).contains("\"draining\":true");
      Reply meshHealth = call(http, base + "/mesh/health");
      assertThat(meshHealth.status).isEqualTo(503);
      assertThat(meshHealth.draining).isEqualTo("true");
      Reply hello = call(http, base + "/hello");
      assertThat(hello.status).isEqualTo(200);
      assertThat(hello.draining).isEqualTo("true");
    } finally {
      mesh.undrain();
    }
    assertThat(call(http, base + "/actuator/health/mesh").status).isEqualTo(200);
  }

  @Test
  void theDrainRunsBeforeTheWebServersGracefulShutdown() {
    assertThat(app.getBean(MeshDrainLifecycle.class).getPhase())
        .isGreaterThan(org.springframework.context.SmartLifecycle.DEFAULT_PHASE - 1024);
  }

  private static RestTemplate restTemplateFromBuilder() {
    for (String name : List.of("org.springframework.boot.restclient.RestTemplateBuilder",
        "org.springframework.boot.web.client.RestTemplateBuilder")) {
      try {
        Class<?> type = Class.forName(name);
        Object builder = app.getBean(type);
        return (RestTemplate) type.getMethod("build").invoke(builder);
      } catch (ClassNotFoundException e) {
        // the other Boot version
      } catch (ReflectiveOperationException e) {
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("no RestTemplateBuilder on the classpath");
  }

  private static Map<String, Integer> count(Supplier<String> call) {
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < 100; i++) seen.merge(call.get(), 1, Integer::sum);
    return seen;
  }

  record Reply(int status, String body, String draining) {}

  static Reply call(OkHttpClient client, String url) {
    try (Response r = client.newCall(new Request.Builder().url(url).build()).execute()) {
      return new Reply(r.code(), r.body().string(), r.header("x-mesh-draining"));
    } catch (IOException e) {
      throw new AssertionError(url, e);
    }
  }
}
