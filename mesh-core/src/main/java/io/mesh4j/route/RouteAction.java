package io.mesh4j.route;

import io.mesh4j.config.ActionConfig;
import io.mesh4j.config.ActionConfig.WeightedCluster;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * What a matched route does, compiled for the adapters: {@link Forward} or {@link Split} to a
 * cluster ({@link ClusterTarget}), {@link Redirect}, {@link Respond} or {@link Pass}.
 *
 * <p>Every implementation is immutable apart from a split's cursor, and thread-safe. Use {@link
 * #kind()} to switch on the variant:
 *
 * <pre>{@code
 * switch (route.action().kind()) {
 *   case FORWARD, SPLIT -> send(((RouteAction.ClusterTarget) route.action()).pickCluster());
 *   case REDIRECT -> redirect((RouteAction.Redirect) route.action(), request);
 *   ...
 * }
 * }</pre>
 */
public sealed interface RouteAction {

  /** The variants, for {@code switch}. */
  enum Kind { FORWARD, SPLIT, REDIRECT, RESPOND, PASS }

  /** Which variant this is. */
  Kind kind();

  /** An action that sends the request to a cluster: {@link Forward} or {@link Split}. */
  sealed interface ClusterTarget extends RouteAction {
    /**
     * The cluster for this request. Lock-free, allocates nothing, never {@code null}. For a split,
     * each call advances the split's cycle, so call it once per request.
     */
    String pickCluster();

    /**
     * Every cluster this action can pick, in config order (split entries of weight 0 and the
     * {@code local} entry left out).
     */
    List<String> clusters();
  }

  /** Forward every request to one cluster. */
  final class Forward implements ClusterTarget {
    private final String cluster;
    private final List<String> clusters;

    Forward(String cluster) {
      this.cluster = Objects.requireNonNull(cluster, "cluster");
      this.clusters = List.of(cluster);
    }

    /** The cluster name. */
    public String cluster() {
      return cluster;
    }

    @Override
    public String pickCluster() {
      return cluster;
    }

    @Override
    public List<String> clusters() {
      return clusters;
    }

    @Override
    public Kind kind() {
      return Kind.FORWARD;
    }

    @Override
    public String toString() {
      return "forward " + cluster;
    }
  }

  /**
   * A weighted split between clusters, exact over every full cycle.
   *
   * <p>Design: at compile time the weights are divided by their greatest common divisor and laid
   * out as a cyclic sequence of cluster names with the smooth weighted round-robin rule (each step
   * every entry gains its weight, the largest is picked and loses the total), so one cluster's
   * picks are spread out rather than bunched: 5,1,1 gives {@code a a b a c a a}. A shared {@link
   * AtomicLong} cursor, started at a random offset so that instances do not move in lock step,
   * walks the sequence. Any {@code sum(weights)} consecutive picks therefore contain each cluster
   * exactly {@code weight} times, whatever the starting point and however many threads pick.
   * Entries of weight 0 are never picked. (The cursor would lose its alignment only after 2^63
   * picks.)
   */
  final class Split implements ClusterTarget {
    /** Longest sequence compiled (after dividing the weights by their gcd). */
    static final int MAX_CYCLE = 1 << 24;

    private final List<WeightedCluster> weights;
    private final List<String> clusters;
    private final String[] sequence;
    private final AtomicLong cursor;
    /** The entry of each step of {@link #sequence} (same length). */
    private final WeightedCluster[] entries;
    private final boolean hasLocal;

    /**
     * @throws IllegalArgumentException if no weight is positive, a weight is negative, or the
     *     reduced cycle exceeds 2^24 picks
     */
    Split(ActionConfig.Split config, RandomGenerator random) {
      this.weights = config.clusters();
      this.clusters = weights.stream().filter(w -> w.weight() > 0 && !w.local())
          .map(WeightedCluster::cluster).toList();
      int[] order = smoothOrder(weights);
      this.sequence = new String[order.length];
      this.entries = new WeightedCluster[order.length];
      for (int k = 0; k < order.length; k++) {
        entries[k] = weights.get(order[k]);
        sequence[k] = entries[k].cluster();
      }
      this.hasLocal = weights.stream().anyMatch(w -> w.local() && w.weight() > 0);
      this.cursor = new AtomicLong(random.nextInt(sequence.length));
    }

    static String[] smoothSequence(List<WeightedCluster> weights) {
      int[] order = smoothOrder(weights);
      String[] out = new String[order.length];
      for (int k = 0; k < order.length; k++) out[k] = weights.get(order[k]).cluster();
      return out;
    }

    /** The index into {@code weights} of each step of one cycle. */
    static int[] smoothOrder(List<WeightedCluster> weights) {
      int n = weights.size();
      int gcd = 0;
      for (WeightedCluster w : weights) {
        if (w.weight() < 0) throw new IllegalArgumentException("negative split weight: " + w);
        gcd = gcd(gcd, w.weight());
      }
      if (gcd == 0) throw new IllegalArgumentException("split weights sum to 0: " + weights);
      long[] w = new long[n];
      long total = 0;
      for (int i = 0; i < n; i++) {
        w[i] = weights.get(i).weight() / gcd;
        total += w[i];
      }
      if (total > MAX_CYCLE) {
        throw new IllegalArgumentException("split cycle too long (" + total + " picks): " + weights);
      }
      int[] out = new int[(int) total];
      long[] current = new long[n];
      for (int k = 0; k < out.length; k++) {
        int best = -1;
        for (int i = 0; i < n; i++) {
          if (w[i] == 0) continue;
          current[i] += w[i];
          if (best < 0 || current[i] > current[best]) best = i;
        }
        current[best] -= total;
        out[k] = best;
      }
      return out;
    }

    private static int gcd(int a, int b) {
      while (b != 0) {
        int t = a % b;
        a = b;
        b = t;
      }
      return a;
    }

    /**
     * {@inheritDoc}
     *
     * <p>For an inbound split with a {@code local} entry, returns {@code null} on that entry's
     * turns; use {@link #pickEntry()} there instead.
     */
    @Override
    public String pickCluster() {
      return sequence[(int) Math.floorMod(cursor.getAndIncrement(), (long) sequence.length)];
    }

    /**
     * The entry for this request: like {@link #pickCluster()} (same cycle, same cursor) but
     * returning the configured entry, whose {@link WeightedCluster#local()} says that the request
     * goes to the local application. Lock-free, allocates nothing, never {@code null}.
     */
    public WeightedCluster pickEntry() {
      return entries[(int) Math.floorMod(cursor.getAndIncrement(), (long) entries.length)];
    }

    /** Whether an entry of positive weight is the local application (inbound splits only). */
    public boolean hasLocal() {
      return hasLocal;
    }

    /** The weighted entries as configured (including weight 0 ones). */
    public List<WeightedCluster> weights() {
      return weights;
    }

    /** How many picks one cycle of the reduced weights takes. */
    public int cycleLength() {
      return sequence.length;
    }

    @Override
    public List<String> clusters() {
      return clusters;
    }

    @Override
    public Kind kind() {
      return Kind.SPLIT;
    }

    @Override
    public String toString() {
      return "split " + weights;
    }
  }

  /**
   * Answer with a redirect. The Location is built from the config and the request's path and
   * query only, never from a request header, so a redirect route cannot be made to point
   * anywhere the config does not name:
   *
   * <ul>
   *   <li>when the config sets none of {@code scheme}, {@code host} and {@code port}, the
   *       Location is relative (RFC 9110 §10.2.2): the client resolves it against the URL it
   *       asked for, so scheme, host and port stay what the client used;
   *   <li>otherwise it is absolute: scheme {@code scheme}, else the request's; host {@code host};
   *       without {@code host}, the request's host, but only in a virtual host without the
   *       {@code "*"} domain, where every request's host has matched a configured domain (the
   *       validator rejects a scheme or port redirect without {@code host} in a {@code "*"}
   *       virtual host); port {@code port}, else none with a configured {@code host}, else the
   *       request's, dropped when the scheme changes and it was the old scheme's default (80
   *       for http, 443 for https);
   *   <li>path: {@code path} (a {@code ?query} in it replaces the request's query), else the
   *       request path with the route's matched prefix replaced by {@code prefix_rewrite} as
   *       {@link Route#rewritePath} does, else the request path;
   *   <li>query: none with {@code strip_query}, else the request's (when not empty).
   * </ul>
   *
   * <p>Request-derived parts are made safe: controls, spaces, {@code \}, {@code #} and non-ASCII
   * characters are percent-encoded, and a request host with characters that could change which
   * host the URL names ({@code @}, {@code /}, ...) is never echoed. A relative Location's path
   * has its leading slashes collapsed to one, so it cannot read as {@code //host}. When no usable
   * host is known (a route compiled without validation, a missing or unsafe request host), the
   * Location is relative.
   */
  final class Redirect implements RouteAction {
    private final ActionConfig.Redirect config;
    private final PathCondition matchedBy;
    private final String configPath;
    private final String configQuery;
    private final boolean absolute;
    private final boolean requestHostAllowed;

    Redirect(ActionConfig.Redirect config, PathCondition matchedBy, boolean hostMatchedConfig) {
      this.config = Objects.requireNonNull(config, "config");
      this.matchedBy = matchedBy;
      this.absolute = config.scheme() != null || config.host() != null || config.port() != null;
      this.requestHostAllowed = hostMatchedConfig;
      String p = config.path();
      int q = p == null ? -1 : p.indexOf('?');
      this.configPath = q < 0 ? p : p.substring(0, q);
      this.configQuery = q < 0 ? null : p.substring(q + 1);
    }

    /** The status code: 301, 302, 303, 307 or 308. */
    public int code() {
      return config.code();
    }

    /** The config this was compiled from. */
    public ActionConfig.Redirect config() {
      return config;
    }

    /** The Location for {@code request}. Allocates; never throws; never {@code null}. */
    public String location(RequestView request) {
      String requestScheme = request.scheme() == null ? "http" : request.scheme();
      String scheme = config.scheme() != null ? config.scheme() : requestScheme;
      String authority = absolute ? authority(request, requestScheme, scheme) : null;

      StringBuilder b = new StringBuilder(64);
      if (authority != null) b.append(scheme).append("://").append(authority);
      int pathStart = b.length();
      String requestPath = request.path() == null ? "" : request.path();
      if (configPath != null) {
        b.append(configPath);
      } else if (config.prefixRewrite() != null) {
        String rewritten = matchedBy == null
            ? config.prefixRewrite().concat(requestPath)
            : matchedBy.replacePrefix(requestPath, config.prefixRewrite());
        int keep = config.prefixRewrite().length();
        b.append(rewritten, 0, keep);
        appendSafe(b, rewritten, keep, true);
      } else {
        appendSafe(b, requestPath, 0, true);
      }
      if (authority == null) {
        int slashes = 0;
        while (pathStart + slashes < b.length() && b.charAt(pathStart + slashes) == '/') slashes++;
        if (slashes > 1) b.delete(pathStart, pathStart + slashes - 1);
        if (b.length() == pathStart || b.charAt(pathStart) != '/') b.insert(pathStart, '/');
      } else if (b.length() == pathStart || b.charAt(pathStart) != '/') {
        b.insert(pathStart, '/');
      }
      if (!config.stripQuery()) {
        if (configQuery != null) {
          if (!configQuery.isEmpty()) b.append('?').append(configQuery);
        } else {
          String q = request.query();
          if (q != null && !q.isEmpty()) {
            b.append('?');
            appendSafe(b, q, 0, false);
          }
        }
      }
      return b.toString();
    }

    /** The authority for the Location, or {@code null} for a relative Location. */
    private String authority(RequestView request, String requestScheme, String scheme) {
      Integer port = config.port();
      if (config.host() != null) {
        if (port == null) return config.host();
        return config.host().substring(0, Authorities.hostEnd(config.host())) + ":" + port;
      }
      if (!requestHostAllowed) return null;
      String requested = request.authority();
      if (requested == null || !Authorities.isSafe(requested)) return null;
      int hostEnd = Authorities.hostEnd(requested);
      if (hostEnd == 0) return null;
      String host = requested.substring(0, hostEnd);
      if (port != null) return host + ":" + port;
      if (hostEnd < requested.length() && !scheme.equalsIgnoreCase(requestScheme)) {
        String requestPort = requested.substring(hostEnd + 1);
        boolean defaultPort = ("http".equalsIgnoreCase(requestScheme) && requestPort.equals("80"))
            || ("https".equalsIgnoreCase(requestScheme) && requestPort.equals("443"));
        if (defaultPort) return host;
      }
      return requested;
    }

    private static void appendSafe(StringBuilder b, String s, int from, boolean inPath) {
      for (int i = from; i < s.length(); i++) {
        char c = s.charAt(i);
        boolean encode = c <= 0x20 || c >= 0x7f || c == '\\' || c == '#' || (inPath && c == '?');
        if (!encode) {
          b.append(c);
          continue;
        }
        int end = Character.isHighSurrogate(c) && i + 1 < s.length()
            && Character.isLowSurrogate(s.charAt(i + 1)) ? i + 2 : i + 1;
        for (byte x : s.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
          b.append('%').append(Character.toUpperCase(Character.forDigit((x >> 4) & 0xf, 16)))
              .append(Character.toUpperCase(Character.forDigit(x & 0xf, 16)));
        }
        i = end - 1;
      }
    }

    @Override
    public Kind kind() {
      return Kind.REDIRECT;
    }

    @Override
    public String toString() {
      return "redirect " + config;
    }
  }

  /** Answer directly with a status, body and headers; nothing is forwarded. */
  final class Respond implements RouteAction {
    private final ActionConfig.Respond config;

    Respond(ActionConfig.Respond config) {
      this.config = Objects.requireNonNull(config, "config");
    }

    /** The status code. */
    public int status() {
      return config.status();
    }

    /** The body, never {@code null} (empty when none). */
    public String body() {
      return config.body();
    }

    /** The response headers, in config order; never {@code null}. */
    public Map<String, String> headers() {
      return config.headers();
    }

    /** The config this was compiled from. */
    public ActionConfig.Respond config() {
      return config;
    }

    @Override
    public Kind kind() {
      return Kind.RESPOND;
    }

    @Override
    public String toString() {
      return "respond " + config.status();
    }
  }

  /** Hand the request to the local application (inbound), or send it on unchanged. */
  final class Pass implements RouteAction {
    /** The shared instance. */
    public static final Pass INSTANCE = new Pass();

    private Pass() {}

    @Override
    public Kind kind() {
      return Kind.PASS;
    }

    @Override
    public String toString() {
      return "pass";
    }
  }
}
