package io.mesh4j.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.time.FakeTime;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@link AdminHandler} contract between the filter and the admin endpoints. */
class MeshFilterAdminHookTest {
  static final String ENABLED = """
      version: 1
      service: shop
      inbound:
        trusted_proxies: [127.0.0.1/32]
        authz:
          default_action: deny
      admin:
        enabled: true
        allow_from: [127.0.0.1/32]
      """;
  static final String DISABLED = ENABLED.replace("enabled: true", "enabled: false");

  /** Answers /mesh/known with the source it was given; declines everything else. */
  static final class RecordingHandler implements AdminHandler {
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public boolean handle(HttpServletRequest req, HttpServletResponse res, String sourceAddress) throws IOException {
      calls.add(req.getRequestURI() + " from " + sourceAddress);
      if (!req.getRequestURI().endsWith("/mesh/known")) return false;
      Fixtures.write(res, 200, "admin saw " + sourceAddress);
      return true;
    }
  }

  /** Found through ServiceLoader in {@link #aFactoryOnTheClassPathProvidesTheHandler}. */
  public static final class TestFactory implements AdminHandler.Factory {
    static volatile Mesh createdFor;

    @Override
    public AdminHandler create(Mesh mesh) {
      createdFor = mesh;
      return (req, res, source) -> {
        if (!req.getRequestURI().equals("/mesh/")) return false;
        Fixtures.write(res, 200, "dashboard from the factory");
        return true;
      };
    }
  }

  final FakeTime time = new FakeTime();
  final OkHttpClient client = Fixtures.client();
  Mesh mesh;
  JettyServer server;

  private void start(MeshFilter filter) throws Exception {
    server = JettyServer.builder(filter)
        .servlet("/*", Fixtures.servlet((req, res) -> Fixtures.write(res, 404, "app has no " + req.getRequestURI())))
        .start();
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) server.close();
    if (mesh != null) mesh.close();
  }

  private String call(OkHttpClient c, String path, String... headers) throws IOException {
    Request.Builder b = new Request.Builder().url(server.url(path));
    for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
    try (Response r = c.newCall(b.build()).execute()) {
      return r.code() + " " + r.body().string();
    }
  }

  @Test
  void adminPathsGoToTheHandlerWithTheResolvedSourceBeforeAuthz() throws Exception {
    mesh = Fixtures.mesh(ENABLED, time);
    RecordingHandler handler = new RecordingHandler();
    start(MeshFilter.builder(mesh).admin(handler).build());

    assertThat(call(client, "/mesh/known")).isEqualTo("200 admin saw 127.0.0.1");
    assertThat(call(Fixtures.clientFrom("127.0.0.2"), "/mesh/known")).isEqualTo("200 admin saw 127.0.0.2");
    assertThat(call(client, "/mesh/known", "X-Forwarded-For", "192.0.2.7")).isEqualTo("200 admin saw 192.0.2.7");
    assertThat(handler.calls).containsExactly(
        "/mesh/known from 127.0.0.1", "/mesh/known from 127.0.0.2", "/mesh/known from 192.0.2.7");
  }

  @Test
  void aPathTheHandlerDeclinesGoesOnThroughTheFilter() throws Exception {
    mesh = Fixtures.mesh(ENABLED, time);
    RecordingHandler handler = new RecordingHandler();
    start(MeshFilter.builder(mesh).admin(handler).build());

    assertThat(call(client, "/mesh/unknown")).as("then authz (default deny) applies").isEqualTo("403 access denied\n");
    assertThat(call(client, "/mesh")).isEqualTo("403 access denied\n");
    assertThat(call(client, "/meshy")).isEqualTo("403 access denied\n");
    assertThat(handler.calls).containsExactly("/mesh/unknown from 127.0.0.1", "/mesh from 127.0.0.1");
  }

  @Test
  void theHealthPathNeverReachesTheHandler() throws Exception {
    mesh = Fixtures.mesh(ENABLED, time);
    RecordingHandler handler = new RecordingHandler();
    start(MeshFilter.builder(mesh).admin(handler).build());

    assertThat(call(client, "/mesh/health")).isEqualTo("200 serving\n");
    assertThat(handler.calls).isEmpty();
  }

  @Test
  void whenAdminIsDisabledTheHandlerIsNeverCalledAndAReloadCanTurnItOn() throws Exception {
    mesh = Fixtures.mesh(DISABLED.replace("default_action: deny", "default_action: allow"), time);
    RecordingHandler handler = new RecordingHandler();
    start(MeshFilter.builder(mesh).admin(handler).build());

    assertThat(call(client, "/mesh/known")).isEqualTo("404 app has no /mesh/known");
    assertThat(handler.calls).isEmpty();

    mesh.reload(ConfigLoader.load(ENABLED));
    assertThat(call(client, "/mesh/known")).isEqualTo("200 admin saw 127.0.0.1");
  }

  @Test
  void aFactoryOnTheClassPathProvidesTheHandler(@TempDir Path dir) throws Exception {
    mesh = Fixtures.mesh(ENABLED, time);
    Path services = dir.resolve("services");
    Files.writeString(services, "# test\n" + TestFactory.class.getName() + "\n", StandardCharsets.UTF_8);
    ClassLoader testLoader = getClass().getClassLoader();
    ClassLoader onlyTestFactory = new ClassLoader(testLoader) {
      @Override
      public Enumeration<URL> getResources(String name) throws IOException {
        if (name.equals("META-INF/services/" + AdminHandler.Factory.class.getName())) {
          return Collections.enumeration(List.of(services.toUri().toURL()));
        }
        return super.getResources(name);
      }
    };
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    MeshFilter filter;
    thread.setContextClassLoader(onlyTestFactory);
    try {
      filter = new MeshFilter(mesh);
    } finally {
      thread.setContextClassLoader(previous);
    }
    start(filter);

    assertThat(call(client, "/mesh/")).isEqualTo("200 dashboard from the factory");
    assertThat(TestFactory.createdFor).isSameAs(mesh);
    assertThat(call(client, "/mesh/other")).isEqualTo("403 access denied\n");
  }

  @Test
  void withNoHandlerAndNoFactoryAdminPathsGoToTheApplication() throws Exception {
    mesh = Fixtures.mesh(ENABLED.replace("default_action: deny", "default_action: allow"), time);
    ClassLoader empty = new ClassLoader(getClass().getClassLoader()) {
      @Override
      public Enumeration<URL> getResources(String name) throws IOException {
        return name.startsWith("META-INF/services/") ? Collections.emptyEnumeration() : super.getResources(name);
      }
    };
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    MeshFilter filter;
    thread.setContextClassLoader(empty);
    try {
      filter = new MeshFilter(mesh);
    } finally {
      thread.setContextClassLoader(previous);
    }
    start(filter);

    assertThat(call(client, "/mesh/clusters")).isEqualTo("404 app has no /mesh/clusters");
  }
}
