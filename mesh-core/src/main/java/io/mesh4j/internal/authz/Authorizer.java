package io.mesh4j.internal.authz;

import io.mesh4j.config.AuthzConfig;
import io.mesh4j.route.RequestMatcher;
import io.mesh4j.route.RequestView;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The compiled inbound authorization rules ({@code inbound.authz}): the first rule whose match
 * holds decides; when none does, {@code default_action} decides.
 *
 * <p>A rule matches on everything a route can (path, methods, headers, query, {@code source}
 * CIDRs) and on {@code principals}, the verified identity of the peer's client certificate (see
 * {@link RequestView#principal()}). A request without a principal never matches a rule that
 * lists principals, so {@code allow} rules naming principals cannot be satisfied by a plain-text
 * or certificate-less caller.
 *
 * <pre>{@code
 * Authorizer authz = Authorizer.compile(config.inbound().authz());
 * Authorizer.Decision d = authz.decide(view);
 * if (!d.allowed()) deny(403, d.rule());
 * }</pre>
 *
 * <p>Immutable and thread-safe. {@link #decide} never throws and allocates nothing beyond what
 * the rules' conditions do (see {@link RequestMatcher}): every {@link Decision} is preallocated.
 */
public final class Authorizer {
  /** The {@link Decision#rule()} of the default action. */
  public static final String DEFAULT_RULE = "default";

  /** Allows everything (no rules, default allow). */
  public static final Authorizer ALLOW_ALL = compile(AuthzConfig.ALLOW_ALL);

  private final AuthzConfig config;
  private final RequestMatcher[] matchers;
  private final Decision[] decisions;
  private final Decision fallback;

  private Authorizer(AuthzConfig config) {
    this.config = config;
    int n = config.rules().size();
    this.matchers = new RequestMatcher[n];
    this.decisions = new Decision[n];
    for (int i = 0; i < n; i++) {
      AuthzConfig.Rule r = config.rules().get(i);
      String name = r.name() != null ? r.name() : "rules[" + i + "]";
      Objects.requireNonNull(r.action(), name + ".action");
      Objects.requireNonNull(r.match(), name + ".match");
      matchers[i] = RequestMatcher.compile(r.match());
      decisions[i] = new Decision(r.action() == AuthzConfig.Action.ALLOW, name, i);
    }
    this.fallback = new Decision(config.defaultAction() == AuthzConfig.Action.ALLOW, DEFAULT_RULE, -1);
  }

  /**
   * Compiles {@code config}.
   *
   * @throws NullPointerException if {@code config}, or a rule's action or match, is null (cannot
   *     happen for a validated config)
   * @throws IllegalArgumentException if a rule's regex does not compile (idem)
   */
  public static Authorizer compile(AuthzConfig config) {
    return new Authorizer(Objects.requireNonNull(config, "config"));
  }

  /** The decision for {@code request}: the first matching rule's, else the default. Never null. */
  public Decision decide(RequestView request) {
    for (int i = 0; i < matchers.length; i++) {
      if (matchers[i].matches(request)) return decisions[i];
    }
    return fallback;
  }

  /**
   * Every decision this authorizer can return: one per rule in order, then the default. For
   * creating per-rule state (meters) once.
   */
  public List<Decision> decisions() {
    List<Decision> all = new ArrayList<>(decisions.length + 1);
    for (Decision d : decisions) all.add(d);
    all.add(fallback);
    return List.copyOf(all);
  }

  /** The config this was compiled from. */
  public AuthzConfig config() {
    return config;
  }

  /**
   * Why {@code request} was allowed or denied, in words: the first failing condition of every
   * rule before the deciding one. Allocates; never throws.
   */
  public String explain(RequestView request) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < matchers.length; i++) {
      String failure = matchers[i].firstFailure(request);
      if (failure == null) {
        return b.append("rule ").append(decisions[i].rule()).append(" matched: ")
            .append(decisions[i].allowed() ? "allow" : "deny").toString();
      }
      b.append("rule ").append(decisions[i].rule()).append(": ").append(failure).append("; ");
    }
    return b.append("no rule matched: default ")
        .append(fallback.allowed() ? "allow" : "deny").toString();
  }

  @Override
  public String toString() {
    return "Authorizer{rules=" + matchers.length + ", default="
        + (fallback.allowed() ? "allow" : "deny") + "}";
  }

  /**
   * The outcome of {@link #decide}: allowed or not, and which rule decided. Immutable; compared
   * by identity (each authorizer has one per rule plus one for the default).
   */
  public static final class Decision {
    private final boolean allowed;
    private final String rule;
    private final int index;

    Decision(boolean allowed, String rule, int index) {
      this.allowed = allowed;
      this.rule = rule;
      this.index = index;
    }

    /** Whether the request may proceed. */
    public boolean allowed() {
      return allowed;
    }

    /** The deciding rule's name, or {@link Authorizer#DEFAULT_RULE} for the default action. */
    public String rule() {
      return rule;
    }

    /** The deciding rule's position in the config, or -1 for the default action. */
    public int index() {
      return index;
    }

    /** Whether no rule matched and the default action decided. */
    public boolean isDefault() {
      return index < 0;
    }

    @Override
    public String toString() {
      return (allowed ? "allow" : "deny") + " by " + rule;
    }
  }
}
