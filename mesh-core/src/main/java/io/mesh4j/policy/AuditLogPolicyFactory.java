package io.mesh4j.policy;

import io.mesh4j.config.ArgErrors;
import io.mesh4j.config.ExtensionArgs;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code audit-log} policy: one structured line per request through SLF4J, once its outcome
 * is known. Registered by {@link java.util.ServiceLoader} from mesh-core.
 *
 * <pre>{@code
 * policies: [ { name: audit-log, args: { logger: audit.orders, direction: inbound } } ]
 * }</pre>
 *
 * <p>A line reads {@code side=inbound method=GET authority=orders path=/api/orders
 * route=orders/list status=200 duration_ms=12.345 request_id=4bf92f35}, then {@code
 * responded_by=NAME} when a policy answered the request and {@code failure=ExceptionClass} when
 * there was no response. The query string is left out (it often carries secrets); a value with
 * spaces, quotes or control characters is quoted with {@code \"} and {@code \\} escapes, and
 * {@code -} stands for none.
 *
 * <p>Arguments: {@code logger} (default {@value #DEFAULT_LOGGER}), {@code level} ({@code info},
 * the default, or {@code debug}), {@code direction} ({@code both}, the default, {@code outbound}
 * or {@code inbound}). It fails open: logging never fails a request. This is the one per-request
 * INFO line mesh4j writes, and only where a config asks for it.
 */
public final class AuditLogPolicyFactory implements RequestPolicy.Factory {
  /** The registered name. */
  public static final String NAME = "audit-log";
  /** The logger name used when {@code logger} is absent. */
  public static final String DEFAULT_LOGGER = "io.mesh4j.audit";

  private final Function<String, Logger> loggers;

  /** For {@link java.util.ServiceLoader}: logs through {@link LoggerFactory}. */
  public AuditLogPolicyFactory() {
    this(LoggerFactory::getLogger);
  }

  /** Logs through the loggers {@code loggers} returns by name (for tests and custom sinks). */
  public AuditLogPolicyFactory(Function<String, Logger> loggers) {
    this.loggers = Objects.requireNonNull(loggers, "loggers");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void validate(ExtensionArgs args, ArgErrors errors) {
    args.onlyKeys(errors, "logger", "level", "direction");
    if (args.has("logger")) {
      String l = args.string("logger");
      if (l == null || l.isBlank()) {
        errors.error("logger", show(args.get("logger")) + " (expected: a logger name)");
      }
    }
    if (args.has("level") && level(args.string("level")) == null) {
      errors.error("level", show(args.get("level")) + " (expected: info or debug)");
    }
    if (args.has("direction") && direction(args.string("direction")) == null) {
      errors.error("direction", show(args.get("direction")) + " (expected: both, outbound or inbound)");
    }
  }

  @Override
  public RequestPolicy create(ExtensionArgs args, PolicyContext context) {
    String name = args.string("logger");
    Boolean debug = args.has("level") ? level(args.string("level")) : Boolean.FALSE;
    RequestPolicy.Direction d = args.has("direction")
        ? direction(args.string("direction"))
        : RequestPolicy.Direction.BOTH;
    if (debug == null || d == null) throw new IllegalArgumentException("invalid arguments " + args);
    Logger logger = loggers.apply(name == null ? DEFAULT_LOGGER : name);
    return new AuditLog(logger, debug, d);
  }

  /** true for debug, false for info, null otherwise. */
  private static Boolean level(String s) {
    if ("info".equals(s)) return Boolean.FALSE;
    if ("debug".equals(s)) return Boolean.TRUE;
    return null;
  }

  private static RequestPolicy.Direction direction(String s) {
    if (s == null) return null;
    return switch (s) {
      case "both" -> RequestPolicy.Direction.BOTH;
      case "outbound" -> RequestPolicy.Direction.OUTBOUND;
      case "inbound" -> RequestPolicy.Direction.INBOUND;
      default -> null;
    };
  }

  private static String show(Object o) {
    return o instanceof String s ? "\"" + s + "\"" : String.valueOf(o);
  }

  /** The policy: stateless apart from its logger; thread-safe. */
  static final class AuditLog implements RequestPolicy {
    private final Logger logger;
    private final boolean debug;
    private final Direction direction;

    AuditLog(Logger logger, boolean debug, Direction direction) {
      this.logger = logger;
      this.debug = debug;
      this.direction = direction;
    }

    @Override
    public Direction direction() {
      return direction;
    }

    @Override
    public FailureMode failureMode() {
      return FailureMode.FAIL_OPEN;
    }

    @Override
    public PolicyDecision onRequest(PolicyExchange exchange) {
      return PolicyDecision.CONTINUE;
    }

    @Override
    public void onComplete(PolicyExchange exchange, PolicyOutcome outcome) {
      if (debug ? !logger.isDebugEnabled() : !logger.isInfoEnabled()) return;
      String line = line(exchange, outcome);
      if (debug) logger.debug(line);
      else logger.info(line);
    }

    static String line(PolicyExchange e, PolicyOutcome o) {
      StringBuilder sb = new StringBuilder(160);
      sb.append("side=").append(e.side().name().toLowerCase(Locale.ROOT));
      field(sb, "method", e.method());
      field(sb, "authority", e.authority());
      field(sb, "path", e.path());
      String route = e.route() == null ? null
          : e.virtualHost() == null ? e.route() : e.virtualHost() + "/" + e.route();
      field(sb, "route", route);
      sb.append(" status=").append(o.status() == 0 ? "-" : Integer.toString(o.status()));
      long micros = o.durationNanos() / 1000;
      sb.append(" duration_ms=").append(micros / 1000).append('.');
      String frac = Long.toString(Math.abs(micros % 1000));
      for (int i = frac.length(); i < 3; i++) sb.append('0');
      sb.append(frac);
      field(sb, "request_id", e.requestId());
      if (o.respondedBy() != null) field(sb, "responded_by", o.respondedBy());
      if (o.failure() != null) field(sb, "failure", o.failure().getClass().getSimpleName());
      return sb.toString();
    }

    private static void field(StringBuilder sb, String key, String value) {
      sb.append(' ').append(key).append('=');
      if (value == null || value.isEmpty()) {
        sb.append('-');
        return;
      }
      boolean quote = false;
      for (int i = 0; i < value.length() && !quote; i++) {
        char c = value.charAt(i);
        quote = c <= ' ' || c == '"' || c == '\\' || c == '=' || c == 127;
      }
      if (!quote) {
        sb.append(value);
        return;
      }
      sb.append('"');
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if (c == '"' || c == '\\') sb.append('\\').append(c);
        else if (c < ' ' || c == 127) sb.append(String.format("\\u%04x", (int) c));
        else sb.append(c);
      }
      sb.append('"');
    }
  }
}
