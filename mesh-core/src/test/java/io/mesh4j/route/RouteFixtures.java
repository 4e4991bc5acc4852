package io.mesh4j.route;

import io.mesh4j.config.ActionConfig;
import io.mesh4j.config.ActionConfig.WeightedCluster;
import io.mesh4j.config.Cidr;
import io.mesh4j.config.HeaderMatchConfig;
import io.mesh4j.config.HeadersConfig;
import io.mesh4j.config.InboundConfig;
import io.mesh4j.config.MatchConfig;
import io.mesh4j.config.MatchConfig.PathMatchKind;
import io.mesh4j.config.OutboundConfig;
import io.mesh4j.config.QueryMatchConfig;
import io.mesh4j.config.RewriteConfig;
import io.mesh4j.config.RouteConfig;
import io.mesh4j.config.VirtualHostConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/** Readable builders for config records in routing tests. */
final class RouteFixtures {
  private RouteFixtures() {}

  static RouteTable outbound(Set<String> clusters, VirtualHostConfig... hosts) {
    return RouteTable.outbound(new OutboundConfig(List.of(hosts)), clusters, new Random(7));
  }

  static RouteTable outbound(VirtualHostConfig... hosts) {
    return outbound(Set.of(), hosts);
  }

  static RouteTable inbound(VirtualHostConfig... hosts) {
    return RouteTable.inbound(
        new InboundConfig(List.of(hosts), null, List.of(), null), new Random(7));
  }

  static VirtualHostConfig vhost(String name, List<String> domains, RouteConfig... routes) {
    return new VirtualHostConfig(name, domains, List.of(routes), null);
  }

  static RouteConfig route(String name, Match match, ActionConfig action) {
    return new RouteConfig(name, match.build(), action, null, null, null, null, null, null, null, null, null, null);
  }

  static RouteConfig route(String name, Match match, ActionConfig action, RewriteConfig rewrite) {
    return new RouteConfig(name, match.build(), action, rewrite, null, null, null, null, null, null, null, null, null);
  }

  /** A route named {@code name} forwarding to a cluster of the same name. */
  static RouteConfig to(String name, Match match) {
    return route(name, match, forward(name));
  }

  static ActionConfig.Forward forward(String cluster) {
    return new ActionConfig.Forward(cluster);
  }

  /** {@code split("a", 90, "b", 10)}. */
  static ActionConfig.Split split(Object... nameWeight) {
    List<WeightedCluster> out = new ArrayList<>();
    for (int i = 0; i < nameWeight.length; i += 2) {
      out.add(new WeightedCluster((String) nameWeight[i], (Integer) nameWeight[i + 1], false));
    }
    return new ActionConfig.Split(out);
  }

  static ActionConfig.Redirect redirect(
      String scheme, String host, Integer port, String path, String prefixRewrite,
      boolean stripQuery, int code) {
    return new ActionConfig.Redirect(scheme, host, port, path, prefixRewrite, stripQuery, code);
  }

  static ActionConfig.Respond respond(int status, String body, Map<String, String> headers) {
    return new ActionConfig.Respond(status, body, headers);
  }

  static ActionConfig.Pass pass() {
    return ActionConfig.Pass.INSTANCE;
  }

  static HeadersConfig headers(Map<String, String> add, List<String> remove) {
    return new HeadersConfig(add, remove);
  }

  static Match match() {
    return new Match();
  }

  static Match any() {
    return new Match();
  }

  static Match prefix(String p) {
    return new Match().prefix(p);
  }

  static Match path(String p) {
    return new Match().path(p);
  }

  static Match separated(String p) {
    return new Match().separated(p);
  }

  static Match regex(String r) {
    return new Match().regex(r);
  }

  static HeaderMatchConfig header(String name, HeaderMatchConfig.Kind kind, String value) {
    return new HeaderMatchConfig(name, kind, value, false, false);
  }

  static HeaderMatchConfig headerPresent(String name, boolean present) {
    return new HeaderMatchConfig(name, HeaderMatchConfig.Kind.PRESENT, null, present, false);
  }

  static HeaderMatchConfig inverted(HeaderMatchConfig h) {
    return new HeaderMatchConfig(h.name(), h.kind(), h.value(), h.present(), true);
  }

  static QueryMatchConfig query(String name, QueryMatchConfig.Kind kind, String value) {
    return new QueryMatchConfig(name, kind, value, false);
  }

  static QueryMatchConfig queryPresent(String name, boolean present) {
    return new QueryMatchConfig(name, QueryMatchConfig.Kind.PRESENT, null, present);
  }

  /** A mutable builder of {@link MatchConfig}. */
  static final class Match {
    private PathMatchKind kind;
    private String value;
    private boolean caseSensitive = true;
    private final Set<String> methods = new LinkedHashSet<>();
    private final List<HeaderMatchConfig> headers = new ArrayList<>();
    private final List<QueryMatchConfig> query = new ArrayList<>();
    private final List<Cidr> source = new ArrayList<>();
    private final List<String> principals = new ArrayList<>();

    Match prefix(String p) {
      kind = PathMatchKind.PREFIX;
      value = p;
      return this;
    }

    Match path(String p) {
      kind = PathMatchKind.PATH;
      value = p;
      return this;
    }

    Match separated(String p) {
      kind = PathMatchKind.PATH_SEPARATED_PREFIX;
      value = p;
      return this;
    }

    Match regex(String r) {
      kind = PathMatchKind.REGEX;
      value = r;
      return this;
    }

    Match ignoringCase() {
      caseSensitive = false;
      return this;
    }

    Match methods(String... m) {
      methods.addAll(Arrays.asList(m));
      return this;
    }

    Match header(HeaderMatchConfig h) {
      headers.add(h);
      return this;
    }

    Match query(QueryMatchConfig q) {
      query.add(q);
      return this;
    }

    Match source(String... cidrs) {
      for (String c : cidrs) source.add(Cidr.parse(c));
      return this;
    }

    Match principals(String... p) {
      principals.addAll(Arrays.asList(p));
      return this;
    }

    MatchConfig build() {
      return new MatchConfig(kind, value, caseSensitive, methods, headers, query, source,
          principals, null);
    }
  }
}
