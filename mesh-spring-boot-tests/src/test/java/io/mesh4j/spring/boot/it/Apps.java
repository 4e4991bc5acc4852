package io.mesh4j.spring.boot.it;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Starts the test application and loopback backends. */
final class Apps {
  private Apps() {}

  /** The server these tests run on: the surefire execution sets it (tomcat or jetty). */
  static final String SERVER = System.getProperty("mesh.test.server", "tomcat");

  /** Starts {@link TestApp} with quiet logs, the actuator exposed, and {@code properties}. */
  static ConfigurableApplicationContext start(Map<String, Object> properties) {
    return start(properties, Map.of());
  }

  /** As {@link #start(Map)}, with {@code singletons} registered as beans before the refresh. */
  static ConfigurableApplicationContext start(
      Map<String, Object> properties, Map<String, Object> singletons) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("server.port", "0");
    p.put("server.address", "127.0.0.1");
    p.put("spring.main.banner-mode", "off");
    p.put("logging.level.root", "WARN");
    p.put("management.endpoints.web.exposure.include", "health,mesh,prometheus");
    p.put("management.endpoint.health.show-details", "always");
    p.putAll(properties);
    return new SpringApplicationBuilder(TestApp.class).properties(p)
        .initializers(ctx -> singletons.forEach(ctx.getBeanFactory()::registerSingleton))
        .run();
  }

  static int port(ConfigurableApplicationContext ctx) {
    return Integer.parseInt(ctx.getEnvironment().getProperty("local.server.port"));
  }

  /** The embedded server's class name (Boot 3 and 4 keep WebServerApplicationContext in different packages). */
  static String webServerClass(ConfigurableApplicationContext ctx) {
    try {
      Object server = ctx.getClass().getMethod("getWebServer").invoke(ctx);
      return server.getClass().getName();
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  /** Writes {@code yaml} to a temp file and answers its {@code file:} location. */
  static String configFile(String yaml) {
    try {
      Path f = Files.createTempFile("mesh", ".yaml");
      f.toFile().deleteOnExit();
      Files.writeString(f, yaml);
      return "file:" + f;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A backend on 127.0.0.1 answering every request with {@code body}. */
  static HttpServer backend(String body) {
    try {
      HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      s.createContext("/", ex -> {
        ex.getRequestBody().readAllBytes();
        ex.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
          out.write(bytes);
        }
      });
      s.start();
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A port that was free a moment ago. */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
