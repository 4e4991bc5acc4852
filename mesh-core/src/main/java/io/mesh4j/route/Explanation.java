package io.mesh4j.route;

import io.mesh4j.config.ActionConfig.WeightedCluster;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Why a request was routed the way it was, from {@link RouteTable#explain}: the virtual host and
 * the domain that chose it, the first failing condition of each route tried before the winner,
 * the winner and its action. Immutable value; feeds {@code mesh4j explain}.
 *
 * <p>Every decision is explained on the request's canonical path ({@link RequestPath}, under the
 * config's {@code path_normalization}), which it shows; a path that has none is explained as
 * action {@code refuse} with the reason (answered 400, or {@code invalid-path} on the client), and
 * one that {@code unescape_and_redirect} sends elsewhere as a 307 {@code redirect}.
 *
 * <p>{@link #toJsonMap()} gives the machine-readable form {@code {"virtual_host", "route",
 * "action", "clusters", "location", "status", "canonical_path", "reason"}}; {@link #toText()} the
 * human one.
 */
public final class Explanation {

  /** A route that was tried and did not match, with the first condition that failed. */
  public record RejectedRoute(String route, String reason) {}

  private final RouteTable.Direction direction;
  private final RouteMatch.Outcome outcome;
  private final String virtualHost;
  private final String virtualHostReason;
  private final List<RejectedRoute> rejected;
  private final String route;
  private final String action;
  private final List<String> clusters;
  private final String targets;
  private final String location;
  private final Integer status;
  private final String canonicalPath;
  private final PathRefusal refusal;

  private Explanation(
      RouteTable.Direction direction, RouteMatch.Outcome outcome, String virtualHost,
      String virtualHostReason, List<RejectedRoute> rejected, String route, String action,
      List<String> clusters, String targets, String location, Integer status,
      String canonicalPath, PathRefusal refusal) {
    this.canonicalPath = canonicalPath;
    this.refusal = refusal;
    this.direction = direction;
    this.outcome = outcome;
    this.virtualHost = virtualHost;
    this.virtualHostReason = virtualHostReason;
    this.rejected = List.copyOf(rejected);
    this.route = route;
    this.action = action;
    this.clusters = List.copyOf(clusters);
    this.targets = targets;
    this.location = location;
    this.status = status;
  }

  static Explanation routed(
      RouteTable.Direction direction, String virtualHost, String reason,
      List<RejectedRoute> rejected, Route winner, RequestView request) {
    RouteAction a = winner.action();
    String kind;
    List<String> clusters = List.of();
    String targets;
    String location = null;
    Integer status = null;
    switch (a.kind()) {
      case FORWARD -> {
        kind = winner.isImplicit() ? "implicit" : "forward";
        clusters = a instanceof RouteAction.Forward f ? List.of(f.cluster()) : List.of();
        targets = "forward to cluster " + clusters.get(0);
      }
      case SPLIT -> {
        kind = "split";
        RouteAction.Split s = (RouteAction.Split) a;
        clusters = s.clusters();
        int total = s.weights().stream().mapToInt(WeightedCluster::weight).sum();
        targets = "split " + s.weights().stream()
            .filter(w -> w.weight() > 0)
            .map(w -> (w.local() ? "local application" : w.cluster()) + " " + w.weight() + "/"
                + total)
            .collect(Collectors.joining(", "));
      }
      case REDIRECT -> {
        kind = "redirect";
        RouteAction.Redirect r = (RouteAction.Redirect) a;
        location = r.location(request);
        status = r.code();
        targets = "redirect " + status + " to " + location;
      }
      case RESPOND -> {
        kind = "respond";
        status = ((RouteAction.Respond) a).status();
        targets = "respond " + status + " directly";
      }
      default -> {
        kind = "pass";
        targets = direction == RouteTable.Direction.INBOUND
            ? "pass to the application"
            : "send on unchanged";
      }
    }
    return new Explanation(direction, RouteMatch.Outcome.ROUTED, virtualHost, reason, rejected,
        winner.name(), kind, clusters, targets, location, status, request.path(), null);
  }

  /** A request whose path is refused: no virtual host or route was consulted. */
  static Explanation pathRefused(RouteTable.Direction direction, String raw, PathRefusal why) {
    String targets = "path " + Describe.quote(raw == null ? "" : raw) + " refused ("
        + why.tag() + "): " + (direction == RouteTable.Direction.INBOUND
            ? "answered 400" : "the call fails with invalid-path");
    return new Explanation(direction, RouteMatch.Outcome.NO_ROUTE, null,
        "not consulted: the path was refused", List.of(), null, "refuse", List.of(), targets,
        null, direction == RouteTable.Direction.INBOUND ? 400 : null, null, why);
  }

  /** A path with escaped slashes that {@code unescape_and_redirect} answers with a 307. */
  static Explanation pathRedirect(
      RouteTable.Direction direction, String target, RequestView request) {
    String query = request.query();
    String location = query == null ? target : target + "?" + query;
    return new Explanation(direction, RouteMatch.Outcome.NO_ROUTE, null,
        "not consulted: the path is redirected", List.of(), null, "redirect", List.of(),
        "redirect 307 to " + location + " (path_with_escaped_slashes_action:"
            + " unescape_and_redirect)", location, 307, null, null);
  }

  static Explanation unrouted(
      RouteTable.Direction direction, RouteMatch.Outcome outcome, String virtualHost,
      String reason, List<RejectedRoute> rejected, String canonicalPath) {
    String targets;
    if (outcome == RouteMatch.Outcome.NO_ROUTE) {
      targets = direction == RouteTable.Direction.OUTBOUND
          ? "no route matched: the call fails with a \"no route\" error"
          : "no route matched: the request passes to the application";
    } else {
      targets = direction == RouteTable.Direction.OUTBOUND
          ? "not a mesh call: sent untouched"
          : "no virtual host: the request passes to the application";
    }
    return new Explanation(direction, outcome, virtualHost, reason, rejected, null, "none",
        List.of(), targets, null, null, canonicalPath, null);
  }

  /** The direction of the table that explained. */
  public RouteTable.Direction direction() {
    return direction;
  }

  /** The outcome {@link RouteTable#match} gives for the same request. */
  public RouteMatch.Outcome outcome() {
    return outcome;
  }

  /** The chosen virtual host's name, or {@code null} (none matched, or an implicit route). */
  public String virtualHost() {
    return virtualHost;
  }

  /** Why that virtual host (which domain matched), or why none did, in words. */
  public String virtualHostReason() {
    return virtualHostReason;
  }

  /** Routes tried before the winner (or all, when none matched), each with its first failure. */
  public List<RejectedRoute> rejected() {
    return rejected;
  }

  /** The winning route's name, or {@code null} (no route, or an implicit route). */
  public String route() {
    return route;
  }

  /**
   * The canonical path every decision was made on, or {@code null} when the path was refused or
   * redirected before any decision.
   */
  public String canonicalPath() {
    return canonicalPath;
  }

  /** Why the path was refused (action {@code refuse}), or {@code null}. */
  public PathRefusal refusal() {
    return refusal;
  }

  /**
   * {@code forward}, {@code split}, {@code redirect}, {@code respond}, {@code pass}, {@code
   * implicit}, {@code refuse} (the path has no safe canonical form) or {@code none}.
   */
  public String action() {
    return action;
  }

  /** The clusters the action can send to (a split's entries of weight above 0); may be empty. */
  public List<String> clusters() {
    return clusters;
  }

  /** The redirect Location for this request, or {@code null}. */
  public String location() {
    return location;
  }

  /** The redirect code or direct response status, or {@code null}. */
  public Integer status() {
    return status;
  }

  /**
   * The JSON form, keys in this order: {@code virtual_host} (string or null), {@code route}
   * (string or null), {@code action}, {@code clusters} (array), {@code location} (string or null),
   * {@code status} (number or null), {@code canonical_path} (string or null), {@code reason}
   * (the {@link PathRefusal#tag()} of a refused path, or null). A new mutable map each call.
   */
  public Map<String, Object> toJsonMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("virtual_host", virtualHost);
    m.put("route", route);
    m.put("action", action);
    m.put("clusters", clusters);
    m.put("location", location);
    m.put("status", status);
    m.put("canonical_path", canonicalPath);
    m.put("reason", refusal == null ? null : refusal.tag());
    return m;
  }

  /**
   * The document {@code mesh4j explain --json} and the admin's {@code /mesh/explain} print: {@link
   * #toJsonMap()} without the fields that do not apply ({@code clusters} when empty, {@code
   * location}, {@code status}, {@code canonical_path} and {@code reason} when absent). A new
   * mutable map each call.
   */
  public Map<String, Object> toCompactJsonMap() {
    Map<String, Object> m = toJsonMap();
    if (clusters.isEmpty()) m.remove("clusters");
    if (location == null) m.remove("location");
    if (status == null) m.remove("status");
    if (canonicalPath == null) m.remove("canonical_path");
    if (refusal == null) m.remove("reason");
    return m;
  }

  /** A multi-line, human-readable account. */
  public String toText() {
    StringBuilder b = new StringBuilder();
    b.append(direction.name().toLowerCase(java.util.Locale.ROOT)).append('\n');
    if (canonicalPath != null) b.append("canonical path: ").append(canonicalPath).append('\n');
    b.append("virtual host: ").append(virtualHost == null ? "(none)" : virtualHost)
        .append(" (").append(virtualHostReason).append(")\n");
    for (RejectedRoute r : rejected) {
      b.append("  route ").append(r.route()).append(": skipped, ").append(r.reason()).append('\n');
    }
    if (route != null) b.append("  route ").append(route).append(": matched\n");
    b.append("action: ").append(action).append(" (").append(targets).append(")\n");
    return b.toString();
  }

  @Override
  public String toString() {
    return toText();
  }
}
