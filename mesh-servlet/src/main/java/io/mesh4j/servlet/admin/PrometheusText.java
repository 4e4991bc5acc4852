package io.mesh4j.servlet.admin;

import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Writes a Micrometer registry in the Prometheus text exposition format, version 0.0.4, without
 * the Prometheus client library.
 *
 * <p>Names follow Micrometer's Prometheus naming convention: dots and other invalid characters
 * become {@code _}; the base unit is appended ({@code _seconds} for timers); counters end in
 * {@code _total}. Mapping:
 *
 * <ul>
 *   <li>counter, function counter → {@code counter}
 *   <li>gauge, time gauge (in seconds) → {@code gauge}
 *   <li>timer, function timer, distribution summary → {@code summary} with {@code _count} and
 *       {@code _sum} (seconds for timers), plus a {@code _max} {@code gauge} family when the meter
 *       keeps a maximum
 *   <li>long task timer → gauges {@code _active_count}, {@code _duration_sum} and {@code _max}
 *   <li>any other meter → {@code untyped}, one family per measured statistic
 * </ul>
 *
 * <p>Families are sorted by name and each appears once, all its samples together; a meter whose
 * family already exists with another type, or whose series (name and labels) was already
 * written, is left out rather than producing an invalid exposition. Label values are escaped
 * ({@code \\}, {@code \"}, {@code \n}). Stateless and thread-safe; reads each meter once.
 */
final class PrometheusText {
  /** The {@code Content-Type} of the exposition. */
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private PrometheusText() {}

  /** The exposition of every meter in {@code registry}. */
  static String write(MeterRegistry registry) {
    Families families = new Families();
    for (Meter meter : registry.getMeters()) {
      try {
        add(families, meter);
      } catch (RuntimeException e) {
        // A gauge whose function throws must not take the whole page down; leave it out.
      }
    }
    StringBuilder out = new StringBuilder(4096);
    for (Family f : families.byName.values()) f.writeTo(out);
    return out.toString();
  }

  private static void add(Families fs, Meter meter) {
    Meter.Id id = meter.getId();
    String base = sanitizeName(id.getName());
    String help = id.getDescription();
    List<Tag> tags = id.getTags();
    meter.use(
        gauge -> fs.sample(withUnit(base, id.getBaseUnit()), "gauge", help, "", tags, gauge.value()),
        counter -> fs.sample(counterName(base, id.getBaseUnit()), "counter", help, "", tags, counter.count()),
        timer -> summary(fs, withUnit(base, "seconds"), help, tags, timer.count(),
            timer.totalTime(TimeUnit.SECONDS), timer.max(TimeUnit.SECONDS)),
        ds -> summary(fs, withUnit(base, id.getBaseUnit()), help, tags, ds.count(), ds.totalAmount(),
            ds.max()),
        ltt -> {
          String name = withUnit(base, "seconds");
          fs.sample(name + "_active_count", "gauge", help, "", tags, ltt.activeTasks());
          fs.sample(name + "_duration_sum", "gauge", help, "", tags, ltt.duration(TimeUnit.SECONDS));
          fs.sample(name + "_max", "gauge", help, "", tags, ltt.max(TimeUnit.SECONDS));
        },
        tg -> fs.sample(withUnit(base, "seconds"), "gauge", help, "", tags, tg.value(TimeUnit.SECONDS)),
        fc -> fs.sample(counterName(base, id.getBaseUnit()), "counter", help, "", tags, fc.count()),
        ft -> summary(fs, withUnit(base, "seconds"), help, tags, ft.count(),
            ft.totalTime(TimeUnit.SECONDS), Double.NaN),
        other -> {
          // Read every value first, so a measurement that throws leaves the whole meter out.
          List<Measurement> ms = new ArrayList<>();
          List<Double> values = new ArrayList<>();
          for (Measurement m : other.measure()) {
            values.add(m.getValue());
            ms.add(m);
          }
          for (int i = 0; i < ms.size(); i++) {
            String stat = sanitizeName(ms.get(i).getStatistic().getTagValueRepresentation())
                .toLowerCase(Locale.ROOT);
            fs.sample(withUnit(base, id.getBaseUnit()) + "_" + stat, "untyped", help, "", tags,
                values.get(i));
          }
        });
  }

  private static void summary(
      Families fs, String name, String help, List<Tag> tags, double count, double sum, double max) {
    fs.sample(name, "summary", help, "_count", tags, count);
    fs.sample(name, "summary", help, "_sum", tags, sum);
    if (!Double.isNaN(max)) fs.sample(name + "_max", "gauge", help, "", tags, max);
  }

  private static String counterName(String base, String unit) {
    String n = withUnit(base.endsWith("_total") ? base.substring(0, base.length() - 6) : base, unit);
    return n + "_total";
  }

  private static String withUnit(String base, String unit) {
    if (unit == null || unit.isEmpty()) return base;
    String u = sanitizeName(unit).toLowerCase(Locale.ROOT);
    return base.endsWith("_" + u) ? base : base + "_" + u;
  }

  /** A metric name: {@code [a-zA-Z_:][a-zA-Z0-9_:]*}, invalid characters replaced by {@code _}. */
  static String sanitizeName(String name) {
    StringBuilder b = new StringBuilder(name.length() + 1);
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'
          || (i > 0 && c >= '0' && c <= '9');
      if (i == 0 && c >= '0' && c <= '9') {
        b.append('_').append(c);
      } else {
        b.append(ok ? c : '_');
      }
    }
    return b.length() == 0 ? "_" : b.toString();
  }

  /** A label name: {@code [a-zA-Z_][a-zA-Z0-9_]*}, not starting with {@code __} (reserved). */
  static String sanitizeLabel(String name) {
    String s = sanitizeName(name).replace(':', '_');
    return s.startsWith("__") ? "l" + s : s;
  }

  static String escapeLabelValue(String v) {
    StringBuilder b = new StringBuilder(v.length() + 8);
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      switch (c) {
        case '\\' -> b.append("\\\\");
        case '"' -> b.append("\\\"");
        case '\n' -> b.append("\\n");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  static String escapeHelp(String v) {
    return v.replace("\\", "\\\\").replace("\n", "\\n");
  }

  /** A sample value: {@code NaN}, {@code +Inf}, {@code -Inf}, an integer when exact, else a float. */
  static String number(double v) {
    if (Double.isNaN(v)) return "NaN";
    if (Double.isInfinite(v)) return v > 0 ? "+Inf" : "-Inf";
    if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
    return Double.toString(v);
  }

  /** Families by name, sorted; remembers every series written to drop duplicates. */
  private static final class Families {
    final Map<String, Family> byName = new TreeMap<>();
    final Set<String> series = new HashSet<>();

    void sample(String name, String type, String help, String suffix, List<Tag> tags, double value) {
      Family f = byName.get(name);
      if (f == null) {
        f = new Family(name, type, help);
        byName.put(name, f);
      } else if (!f.type.equals(type)) {
        return; // the same name with another type would make the exposition invalid
      }
      StringBuilder line = new StringBuilder(64).append(name).append(suffix);
      if (!tags.isEmpty()) {
        line.append('{');
        Set<String> seen = new HashSet<>();
        boolean first = true;
        for (Tag t : tags) {
          String label = sanitizeLabel(t.getKey());
          if (!seen.add(label)) continue;
          if (!first) line.append(',');
          first = false;
          line.append(label).append("=\"").append(escapeLabelValue(t.getValue())).append('"');
        }
        line.append('}');
      }
      String key = line.toString();
      if (!series.add(key)) return;
      f.lines.add(line.append(' ').append(number(value)).toString());
    }
  }

  private static final class Family {
    final String name;
    final String type;
    final String help;
    final List<String> lines = new ArrayList<>();

    Family(String name, String type, String help) {
      this.name = name;
      this.type = type;
      this.help = help;
    }

    void writeTo(StringBuilder out) {
      if (lines.isEmpty()) return;
      if (help != null && !help.isEmpty()) {
        out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
      }
      out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
      for (String l : lines) out.append(l).append('\n');
    }
  }
}
