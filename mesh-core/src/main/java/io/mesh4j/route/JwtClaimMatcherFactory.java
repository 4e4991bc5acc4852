package io.mesh4j.route;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mesh4j.config.ArgErrors;
import io.mesh4j.config.ExtensionArgs;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code jwt-claim} matcher: routes on a claim of the JSON Web Token a request carries,
 * <b>without verifying it</b>. For routing only (send gold-tier users to the canary), never for
 * authorization: anyone can forge an unverified token, so a route chosen by a claim must not grant
 * anything the client could not otherwise reach. Registered by {@link java.util.ServiceLoader}
 * from mesh-core.
 *
 * <pre>{@code
 * match:
 *   prefix: /api/
 *   custom: { name: jwt-claim, args: { claim: tier, equals: gold } }
 *   # or:  args: { claim: tier, in: [gold, platinum] }
 *   # or:  args: { claim: beta, present: true, header: x-id-token }
 * }</pre>
 *
 * <p>Arguments: {@code claim} (a top-level claim name, taken literally, dots included), exactly one
 * of {@code equals} (a string, number or boolean, compared as text), {@code in} (a non-empty list
 * of those) or {@code present} (true: the claim is there and not null; false: it is not), and
 * {@code header} (default {@code authorization}; a leading {@code Bearer } is stripped). A claim
 * that is a list matches when any element does.
 *
 * <p>The token's payload (its second dot-separated part) is base64url-decoded and parsed with
 * Jackson on every match: a few microseconds and some allocation, so put cheaper conditions (path,
 * headers) on the same route; they are checked first. A missing header, a token that is not three
 * dot-separated parts, bad base64url, JSON that is not an object, or a header over 8 KiB make the
 * condition false ({@code present: false} true); matching never throws.
 */
public final class JwtClaimMatcherFactory implements RouteMatcher.Factory {
  /** The registered name. */
  public static final String NAME = "jwt-claim";

  static final int MAX_TOKEN_CHARS = 8192;
  /** Created on the first token read, not when the factory is registered at mesh build. */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  /** For {@link java.util.ServiceLoader}. */
  public JwtClaimMatcherFactory() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void validate(ExtensionArgs args, ArgErrors errors) {
    args.onlyKeys(errors, "claim", "equals", "in", "present", "header");
    Object claim = args.get("claim");
    if (claim == null) {
      errors.error("claim", "missing (expected: a claim name such as tier)");
    } else if (!(claim instanceof String s) || s.isEmpty()) {
      errors.error("claim", describe(claim) + " (expected: a non-empty claim name)");
    }
    List<String> conditions = new ArrayList<>();
    for (String k : List.of("equals", "in", "present")) {
      if (args.has(k)) conditions.add(k);
    }
    if (conditions.size() != 1) {
      errors.error("", (conditions.isEmpty() ? "no condition" : "more than one condition: "
          + String.join(", ", conditions)) + " (expected exactly one of: equals, in, present)");
    }
    if (args.has("equals") && !isScalar(args.get("equals"))) {
      errors.error("equals", describe(args.get("equals")) + " (expected: a string, number or boolean)");
    }
    if (args.has("in")) {
      if (!(args.get("in") instanceof List<?> l) || l.isEmpty()) {
        errors.error("in", describe(args.get("in")) + " (expected: a non-empty list of values)");
      } else {
        for (int i = 0; i < l.size(); i++) {
          if (!isScalar(l.get(i))) {
            errors.error("in[" + i + "]", describe(l.get(i)) + " (expected: a string, number or boolean)");
          }
        }
      }
    }
    if (args.has("present") && args.bool("present") == null) {
      errors.error("present", describe(args.get("present")) + " (expected: true or false)");
    }
    if (args.has("header")) {
      String h = args.string("header");
      if (h == null || h.isEmpty() || !isToken(h)) {
        errors.error("header", describe(args.get("header")) + " (expected: a header name)");
      }
    }
  }

  @Override
  public RouteMatcher create(ExtensionArgs args) {
    String claim = args.string("claim");
    if (claim == null) throw new IllegalArgumentException("claim: missing");
    String header = args.string("header");
    header = header == null ? "authorization" : header.toLowerCase(Locale.ROOT);
    if (args.has("present")) {
      return new JwtClaimMatcher(header, claim, null, Boolean.TRUE.equals(args.bool("present")));
    }
    List<String> values = new ArrayList<>();
    if (args.has("equals")) {
      values.add(text(args.get("equals")));
    } else if (args.get("in") instanceof List<?> l) {
      for (Object o : l) values.add(text(o));
    } else {
      throw new IllegalArgumentException("expected one of equals, in, present");
    }
    return new JwtClaimMatcher(header, claim, Set.copyOf(values), true);
  }

  private static boolean isScalar(Object o) {
    return o instanceof String || o instanceof Number || o instanceof Boolean;
  }

  private static String text(Object o) {
    if (o instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) {
      return Long.toString(d.longValue());
    }
    return String.valueOf(o);
  }

  private static String describe(Object o) {
    if (o == null) return "null";
    if (o instanceof String s) return "\"" + s + "\"";
    if (o instanceof List) return "a list";
    if (o instanceof java.util.Map) return "a map";
    return String.valueOf(o);
  }

  private static boolean isToken(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) return false;
    }
    return true;
  }

  /** One compiled condition. Immutable and thread-safe. */
  static final class JwtClaimMatcher implements RouteMatcher {
    private final String header;
    private final String claim;
    private final Set<String> values; // null: a presence test
    private final boolean present;

    JwtClaimMatcher(String header, String claim, Set<String> values, boolean present) {
      this.header = header;
      this.claim = claim;
      this.values = values;
      this.present = present;
    }

    @Override
    public boolean matches(RequestView request) {
      JsonNode value = claim(request.header(header));
      if (values == null) return present == (value != null && !value.isNull());
      if (value == null) return false;
      if (value.isArray()) {
        for (JsonNode e : value) {
          if (e.isValueNode() && !e.isNull() && values.contains(e.asText())) return true;
        }
        return false;
      }
      return value.isValueNode() && !value.isNull() && values.contains(value.asText());
    }

    /** The claim's value in the token of {@code headerValue}, or {@code null}. */
    private JsonNode claim(String headerValue) {
      if (headerValue == null || headerValue.length() > MAX_TOKEN_CHARS) return null;
      String token = headerValue.strip();
      if (token.regionMatches(true, 0, "Bearer ", 0, 7)) token = token.substring(7).strip();
      int first = token.indexOf('.');
      if (first <= 0) return null;
      int second = token.indexOf('.', first + 1);
      if (second < 0 || token.indexOf('.', second + 1) >= 0) return null;
      try {
        byte[] payload = Base64.getUrlDecoder().decode(token.substring(first + 1, second));
        JsonNode root = Json.MAPPER.readTree(payload);
        return root != null && root.isObject() ? root.get(claim) : null;
      } catch (IllegalArgumentException | java.io.IOException e) {
        return null;
      }
    }

    @Override
    public String toString() {
      return "jwt-claim{" + claim + (values == null ? " present=" + present : " in " + values) + "}";
    }
  }
}
