package io.mesh4j.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.metrics.MeshMetricNames;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.http.HttpServlet;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, {@code path_normalization}: each option on a real Jetty 12 and Tomcat 11, checked by
 * what the servlets received and by {@code mesh.server.path.refused}. Where a container refuses a
 * spelling before the filter runs (Jetty: {@code %2F}, {@code %2E} and empty segments by default;
 * Tomcat: {@code %2F} by default), the test says so and the container is made lenient to reach
 * the filter.
 */
class PathNormalizationOptionsTest {
  @TempDir Path baseDir;

  static String config(String options) {
    return """
        version: 1
        service: shop
        inbound:
          authz:
            default_action: allow
            rules:
              - { name: no-internal, action: deny, match: { path_separated_prefix: /internal } }
        path_normalization: %s
        """.formatted(options);
  }

  /** A container with recording servlets on /internal/* and /, and its meters. */
  abstract static class Box extends PathSpellingBypassTest.Container {
    final MeterRegistry registry = new SimpleMeterRegistry();

    double refused(String reason) {
      Counter c = registry.find(MeshMetricNames.SERVER_PATH_REFUSED)
          .tags(MeshMetricNames.TAG_REASON, reason).counter();
      return c == null ? 0 : c.count();
    }
  }

  static final class Jetty extends Box {
    final JettyServer server;

    Jetty(String options, boolean lenient) throws Exception {
      mesh = Fixtures.mesh(config(options), new FakeTime(), registry);
      JettyServer.Builder b = JettyServer.builder(new MeshFilter(mesh))
          .servlet("/internal/*", recorder("internal", internal))
          .servlet("/", recorder("app", app));
      if (lenient) b.lenientUris();
      server = b.start();
    }

    @Override
    int port() {
      return server.port();
    }

    @Override
    public void close() throws Exception {
      server.close();
      mesh.close();
    }
  }

  static final class Cat extends Box {
    final Tomcat tomcat;
    final Connector connector;

    /** {@code solidus}: Tomcat's encodedSolidusHandling (reject, decode, passthrough). */
    Cat(Path baseDir, String options, String solidus) throws Exception {
      mesh = Fixtures.mesh(config(options), new FakeTime(), registry);
      tomcat = new Tomcat();
      tomcat.setBaseDir(baseDir.toString());
      connector = new Connector();
      connector.setPort(0);
      connector.setProperty("address", "127.0.0.1");
      connector.setEncodedSolidusHandling(solidus);
      tomcat.getService().addConnector(connector);
      tomcat.setConnector(connector);
      Context context = tomcat.addContext("", baseDir.toString());
      FilterDef def = new FilterDef();
      def.setFilterName("mesh");
      def.setFilter(new MeshFilter(mesh));
      context.addFilterDef(def);
      FilterMap map = new FilterMap();
      map.setFilterName("mesh");
      map.addURLPattern("/*");
      map.setDispatcher("REQUEST");
      context.addFilterMap(map);
      add(context, "internal", "/internal/*", recorder("internal", internal));
      add(context, "app", "/", recorder("app", app));
      tomcat.start();
    }

    private static void add(Context context, String name, String pattern, HttpServlet servlet) {
      Tomcat.addServlet(context, name, servlet);
      context.addServletMappingDecoded(pattern, name);
    }

    @Override
    int port() {
      return connector.getLocalPort();
    }

    @Override
    public void close() throws Exception {
      tomcat.stop();
      tomcat.destroy();
      mesh.close();
    }
  }

  @Test
  void defaultsRefuseEscapedSlashesAndAClimbAboveTheRootWithAReason() throws Exception {
    try (Jetty jetty = new Jetty("{}", true); Cat cat = new Cat(baseDir, "{}", "decode")) {
      for (Box c : new Box[] {jetty, cat}) {
        String name = c.getClass().getSimpleName();
        assertThat(c.send("/public%2Fx")).as(name).startsWith("400");
        assertThat(c.send("/internal%2Fx")).as(name).startsWith("400");
        assertThat(c.refused("escaped-slash")).as(name).isEqualTo(2);
        assertThat(c.send("/public/x")).as(name).isEqualTo("200 app /public/x");
        assertThat(c.internal).as(name).isEmpty();
        assertThat(c.app).as(name).containsExactly("/public/x");
      }
    }
  }

  @Test
  void withoutNormalizationDotSegmentsAndEscapedUnreservedAreRefusedNotPassed() throws Exception {
    String options = "{ normalize_path: false }";
    try (Jetty jetty = new Jetty(options, false); Cat cat = new Cat(baseDir, options, "reject")) {
      for (Box c : new Box[] {jetty, cat}) {
        String name = c.getClass().getSimpleName();
        assertThat(c.send("/public/../internal/x")).as(name).startsWith("400");
        assertThat(c.send("/./internal/x")).as(name).startsWith("400");
        assertThat(c.send("/%69nternal/x")).as(name).startsWith("400");
        assertThat(c.send("/public/x;v=1")).as(name).isEqualTo("200 app /public/x");
        assertThat(c.send("/internal/x")).as(name).isEqualTo("403 access denied");
        assertThat(c.refused("dot-segment")).as(name).isEqualTo(2);
        assertThat(c.refused("escaped-unreserved")).as(name).isEqualTo(1);
        assertThat(c.internal).as(name).isEmpty();
        assertThat(c.app).as(name).containsExactly("/public/x");
      }
    }
  }

  @Test
  void withoutMergingAContainerThatMergesIsRefusedAsADispatchMismatch() throws Exception {
    String options = "{ merge_slashes: false }";
    try (Jetty jetty = new Jetty(options, true); Cat cat = new Cat(baseDir, options, "reject")) {
      for (Box c : new Box[] {jetty, cat}) {
        String name = c.getClass().getSimpleName();
        String merged = c.send("//internal/x");
        // Either the container keeps the empty segment (then /internal/* does not match it and
        // the app sees //internal/x, the path decided on) or it merges it (then the filter refuses).
        assertThat(merged).as(name).matches("(?s)(400 .*|200 app //internal/x)");
        assertThat(c.internal).as(name).isEmpty();
      }
      assertThat(cat.refused("dispatch-mismatch")).isEqualTo(1);
    }
  }

  @Test
  void keepUnchangedIsOneSegmentAndADecodingContainerIsRefused() throws Exception {
    String options = "{ path_with_escaped_slashes_action: keep_unchanged }";
    try (Cat decode = new Cat(baseDir.resolve("d"), options, "decode");
        Cat keep = new Cat(baseDir.resolve("k"), options, "passthrough");
        Jetty jetty = new Jetty(options, true)) {
      // Tomcat decodes %2F into a separator: it would dispatch /internal/x, decided as one segment.
      assertThat(decode.send("/internal%2Fx")).startsWith("400");
      assertThat(decode.refused("dispatch-mismatch")).isEqualTo(1);
      // Jetty, made lenient, decodes it too.
      assertThat(jetty.send("/internal%2Fx")).startsWith("400");
      assertThat(jetty.refused("dispatch-mismatch")).isEqualTo(1);
      // Tomcat passing it through dispatches the same single segment the mesh decided on.
      assertThat(keep.send("/internal%2Fx")).isEqualTo("200 app /internal%2Fx");
      for (Box c : new Box[] {decode, keep, jetty}) assertThat(c.internal).isEmpty();
    }
  }

  @Test
  void unescapeAndForwardDecidesOnTheUnescapedPath() throws Exception {
    String options = "{ path_with_escaped_slashes_action: unescape_and_forward }";
    try (Cat cat = new Cat(baseDir, options, "decode"); Jetty jetty = new Jetty(options, true);
        Jetty strict = new Jetty(options, false)) {
      for (Box c : new Box[] {cat, jetty}) {
        String name = c.getClass().getSimpleName();
        assertThat(c.send("/internal%2Fx")).as(name).isEqualTo("403 access denied");
        assertThat(c.send("/public%2Fx")).as(name).isEqualTo("200 app /public/x");
        assertThat(c.internal).as(name).isEmpty();
      }
      // Dot segments between escaped slashes: Tomcat resolves them after decoding, as the mesh
      // does; lenient Jetty dispatches "/public/../internal/x" unresolved, so the filter refuses a
      // request the two would read differently.
      assertThat(cat.send("/public%2F..%2Finternal/x")).isEqualTo("403 access denied");
      assertThat(jetty.send("/public%2F..%2Finternal/x")).isEqualTo("400 invalid request path");
      assertThat(jetty.refused("dispatch-mismatch")).isEqualTo(1);
      assertThat(cat.internal).isEmpty();
      assertThat(jetty.internal).isEmpty();
      // Jetty's default URI compliance refuses %2F before any filter runs.
      assertThat(strict.send("/public%2Fx")).startsWith("400");
      assertThat(strict.app).isEmpty();
    }
  }

  @Test
  void unescapeAndRedirectAnswers307ToTheUnescapedPath() throws Exception {
    String options = "{ path_with_escaped_slashes_action: unescape_and_redirect }";
    String noMerge = "{ path_with_escaped_slashes_action: unescape_and_redirect,"
        + " merge_slashes: false }";
    try (Cat cat = new Cat(baseDir.resolve("a"), options, "passthrough");
        Jetty jetty = new Jetty(options, true);
        Cat open = new Cat(baseDir.resolve("b"), noMerge, "passthrough")) {
      for (Box c : new Box[] {cat, jetty}) {
        String name = c.getClass().getSimpleName();
        assertThat(c.sendHead("/internal%2Fx?q=1")).as(name)
            .startsWith("307").contains("\nlocation: /internal/x?q=1\n");
        assertThat(c.internal).as(name).isEmpty();
        assertThat(c.app).as(name).isEmpty();
      }
      // Never a protocol-relative Location: //evil.example would leave this host.
      assertThat(open.send("/%2Fevil.example/x")).startsWith("400");
      assertThat(open.refused("unsafe-redirect")).isEqualTo(1);
      assertThat(open.app).isEmpty();
    }
  }
}
