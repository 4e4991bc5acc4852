package io.mesh4j.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Conversions of protobuf/Envoy value types to the mesh4j model's. */
final class Protos {
  /** The longest duration the mesh4j config accepts. */
  static final Duration MAX_DURATION = Duration.ofHours(8760);

  private Protos() {}

  /**
   * A protobuf duration as a {@link Duration} of whole milliseconds (mesh4j's resolution), rounded
   * up so that a positive value never becomes zero, and capped at 8760h.
   */
  static Duration duration(com.google.protobuf.Duration d) {
    long nanos = d.getNanos();
    long millis = Math.addExact(Math.multiplyExact(d.getSeconds(), 1000L), (nanos + 999_999) / 1_000_000);
    Duration out = Duration.ofMillis(Math.max(0, millis));
    return out.compareTo(MAX_DURATION) > 0 ? MAX_DURATION : out;
  }

  /** A fractional percent as a percentage 0..100. */
  static double percent(FractionalPercent p) {
    double denominator = switch (p.getDenominator()) {
      case HUNDRED -> 100;
      case TEN_THOUSAND -> 10_000;
      case MILLION -> 1_000_000;
      default -> 100;
    };
    return Math.min(100.0, p.getNumerator() * 100.0 / denominator);
  }

  /** An unsigned 32-bit protobuf value as a long. */
  static long uint32(int value) {
    return Integer.toUnsignedLong(value);
  }

  /** An unsigned value clamped to an int. */
  static int clampInt(long value) {
    return value > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) value;
  }

  /**
   * An RE2 regex as a {@code java.util.regex} pattern text, or {@code null} when Java cannot compile
   * it. RE2's named group syntax {@code (?P<name>...)} becomes Java's {@code (?<name>...)}; the rest
   * of RE2's syntax is a subset of Java's for the constructs route configs use.
   */
  static String javaRegex(String re2) {
    String java = re2.replace("(?P<", "(?<");
    try {
      Pattern.compile(java);
      return java;
    } catch (PatternSyntaxException e) {
      return null;
    }
  }

  /** The short message name of an {@code Any}'s type URL. */
  static String typeName(Any any) {
    String url = any.getTypeUrl();
    return url.substring(url.lastIndexOf('/') + 1);
  }

  /** {@code any} unpacked as {@code type}, or {@code null} when it holds another type or is corrupt. */
  static <T extends Message> T unpack(Any any, Class<T> type) {
    if (!any.is(type)) return null;
    try {
      return any.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  /** Lower-cased (header names). */
  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  /** Whether {@code name} is a valid mesh4j name (letters, digits and {@code . _ - | :}). */
  static boolean isMeshName(String name) {
    if (name.isEmpty()) return false;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == '-' || c == '|' || c == ':';
      if (!ok) return false;
    }
    return true;
  }

  /** {@code name} with every character a mesh4j name cannot hold replaced by {@code _}. */
  static String meshName(String name) {
    if (name.isEmpty()) return "_";
    StringBuilder b = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == '-' || c == '|' || c == ':';
      b.append(ok ? c : '_');
    }
    return b.toString();
  }
}
