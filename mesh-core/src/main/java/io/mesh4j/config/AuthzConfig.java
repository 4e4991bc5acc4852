package io.mesh4j.config;

import java.util.List;

/**
 * Inbound authorization: the first matching rule decides; {@code defaultAction} when none does.
 * Immutable.
 */
public record AuthzConfig(Action defaultAction, List<Rule> rules) {
  /** No rules, allow everything. */
  public static final AuthzConfig ALLOW_ALL = new AuthzConfig(Action.ALLOW, List.of());

  public AuthzConfig {
    defaultAction = defaultAction == null ? Action.ALLOW : defaultAction;
    rules = List.copyOf(rules);
  }

  /** Allow or deny. */
  public enum Action { ALLOW, DENY }

  /**
   * One rule.
   *
   * @param name for metrics and logs; defaults to {@code rules[i]}
   */
  public record Rule(String name, Action action, MatchConfig match) {}
}
