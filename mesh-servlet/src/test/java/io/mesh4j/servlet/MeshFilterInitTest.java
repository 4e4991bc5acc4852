package io.mesh4j.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.Mesh;
import io.mesh4j.time.FakeTime;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the filter gets its mesh: handed in, or loaded from the {@code mesh4j.config} init parameter. */
class MeshFilterInitTest {
  static final String CONFIG = """
      version: 1
      service: from-file
      inbound:
        virtual_hosts:
          - name: self
            domains: ["*"]
            routes:
              - { name: hello, match: { path: /hello }, respond: { status: 200, body: "hello from the file" } }
      """;

  /** A FilterConfig with these init parameters. */
  private static FilterConfig config(Map<String, String> params) {
    return new FilterConfig() {
      @Override public String getFilterName() { return "mesh"; }
      @Override public ServletContext getServletContext() { return null; }
      @Override public String getInitParameter(String name) { return params.get(name); }
      @Override public Enumeration<String> getInitParameterNames() { return Collections.enumeration(params.keySet()); }
    };
  }

  @Test
  void aContainerMadeFilterLoadsItsConfigFromTheInitParameterAndClosesItsMeshOnDestroy(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("mesh.yaml");
    Files.writeString(file, CONFIG);
    JettyServer server = JettyServer.builder(MeshFilter.class,
        Map.of(MeshFilter.CONFIG_PARAMETER, file.toString())).start();
    Mesh mesh;
    try (Response r = Fixtures.client().newCall(new Request.Builder().url(server.url("/hello")).build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.body().string()).isEqualTo("hello from the file");
      mesh = ((MeshFilter) server.filter()).mesh();
      assertThat(mesh.serviceName()).isEqualTo("from-file");
      assertThat(mesh.isClosed()).isFalse();
    } finally {
      server.close();
    }
    assertThat(mesh.isClosed()).as("the filter owned it").isTrue();
  }

  @Test
  void aMeshHandedInIsNotClosedByDestroy() throws Exception {
    try (Mesh mesh = Fixtures.mesh(CONFIG, new FakeTime())) {
      MeshFilter filter = new MeshFilter(mesh);
      filter.init(config(Map.of()));
      filter.destroy();

      assertThat(mesh.isClosed()).isFalse();
      assertThat(filter.mesh()).isSameAs(mesh);
    }
  }

  @Test
  void withoutAMeshOrAConfigParameterInitFails() {
    assertThatThrownBy(() -> new MeshFilter().init(config(Map.of())))
        .isInstanceOf(ServletException.class)
        .hasMessage("MeshFilter needs a Mesh (new MeshFilter(mesh)) or the mesh4j.config init "
            + "parameter naming a config file");
  }

  @Test
  void aMeshAndAConfigParameterTogetherAreAMistake() throws Exception {
    try (Mesh mesh = Fixtures.mesh(CONFIG, new FakeTime())) {
      assertThatThrownBy(() -> new MeshFilter(mesh).init(config(Map.of(MeshFilter.CONFIG_PARAMETER, "/x.yaml"))))
          .isInstanceOf(ServletException.class)
          .hasMessage("MeshFilter was given a Mesh and the mesh4j.config init parameter (/x.yaml); use one");
    }
  }

  @Test
  void anInvalidConfigFileFailsInitWithEveryError(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "version: 1\nservice: s\nadmin: { enabled: maybe }\n");

    assertThatThrownBy(() -> new MeshFilter().init(config(Map.of(MeshFilter.CONFIG_PARAMETER, file.toString()))))
        .isInstanceOf(ServletException.class)
        .hasMessageStartingWith("MeshFilter cannot load mesh4j.config=" + file + ": invalid mesh4j config (1 error):")
        .hasMessageContaining("admin.enabled");
  }

  @Test
  void aMissingConfigFileFailsInitNamingIt(@TempDir Path dir) {
    Path file = dir.resolve("absent.yaml");

    assertThatThrownBy(() -> new MeshFilter().init(config(Map.of(MeshFilter.CONFIG_PARAMETER, file.toString()))))
        .isInstanceOf(ServletException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("cannot read");
  }

  @Test
  void aFilterUsedBeforeInitSaysSo() {
    HttpServletRequest request = inert(HttpServletRequest.class);
    HttpServletResponse response = inert(HttpServletResponse.class);

    assertThatThrownBy(() -> new MeshFilter().doFilter(request, response, (req, res) -> { }))
        .isInstanceOf(ServletException.class)
        .hasMessage("MeshFilter was not initialized (init was not called)");
  }

  /** An implementation of {@code type} whose every method returns null (never reached here). */
  private static <T> T inert(Class<T> type) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
        (proxy, method, args) -> null));
  }
}
