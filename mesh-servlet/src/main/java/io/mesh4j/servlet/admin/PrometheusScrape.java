package io.mesh4j.servlet.admin;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Locale;

/**
 * {@code /mesh/metrics} through Micrometer's own Prometheus registry: finds the application's
 * {@link PrometheusMeterRegistry} (the mesh's registry itself, or one held, at any depth, by a
 * {@link CompositeMeterRegistry}) and has it write itself in the format the {@code Accept}
 * header prefers: OpenMetrics 1.0 when {@code application/openmetrics-text} is acceptable with
 * a quality at least that of {@code text/plain}, else the Prometheus text format 0.0.4.
 *
 * <p>Only loaded after {@link #available()} said the library is on the class path, so {@code
 * micrometer-registry-prometheus} stays an optional dependency of mesh-servlet. Stateless apart
 * from the negotiation table; thread-safe.
 */
final class PrometheusScrape {
  private static final String CLASS = "io.micrometer.prometheusmetrics.PrometheusMeterRegistry";

  static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";
  static final String OPEN_METRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

  /** One scrape: the negotiated content type and the exposition. */
  record Page(String contentType, byte[] body) {}

  private PrometheusScrape() {}

  /** Whether {@code micrometer-registry-prometheus} is on the class path. */
  static boolean available() {
    try {
      Class.forName(CLASS, false, PrometheusScrape.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /**
   * The exposition of the Prometheus registry inside {@code registry}, or {@code null} when
   * there is none (depth-first, the first found wins).
   */
  static Page scrape(MeterRegistry registry, String accept) throws IOException {
    PrometheusMeterRegistry prometheus = find(registry);
    if (prometheus == null) return null;
    String type = negotiate(accept);
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    prometheus.scrape(out, type);
    return new Page(type, out.toByteArray());
  }

  /** {@link #OPEN_METRICS} or {@link #TEXT} for an {@code Accept} header ({@code null}: text). */
  static String negotiate(String accept) {
    if (accept == null) return TEXT;
    double openMetrics = 0;
    double text = 0;
    for (String range : accept.split(",")) {
      String[] parts = range.split(";");
      String type = parts[0].trim().toLowerCase(Locale.ROOT);
      double q = 1;
      for (int i = 1; i < parts.length; i++) {
        String p = parts[i].trim();
        if (p.length() > 2 && (p.charAt(0) == 'q' || p.charAt(0) == 'Q') && p.charAt(1) == '=') {
          try {
            q = Double.parseDouble(p.substring(2));
          } catch (NumberFormatException e) {
            q = 0; // an unreadable quality counts as "not acceptable"
          }
        }
      }
      if (type.equals("application/openmetrics-text")) openMetrics = Math.max(openMetrics, q);
      if (type.equals("text/plain")) text = Math.max(text, q);
    }
    return openMetrics > 0 && openMetrics >= text ? OPEN_METRICS : TEXT;
  }

  private static PrometheusMeterRegistry find(MeterRegistry registry) {
    if (registry instanceof PrometheusMeterRegistry p) return p;
    if (registry instanceof CompositeMeterRegistry c) {
      for (MeterRegistry child : c.getRegistries()) {
        PrometheusMeterRegistry p = find(child);
        if (p != null) return p;
      }
    }
    return null;
  }
}
