package io.mesh4j.config;

import java.util.List;

/**
 * The {@code /mesh/*} admin endpoints: off unless enabled, reachable only from
 * {@code allowFrom}. Immutable.
 */
public record AdminConfig(boolean enabled, List<Cidr> allowFrom) {
  /** Disabled; loopback only if ever enabled. */
  public static final AdminConfig DISABLED =
      new AdminConfig(false, List.of(Cidr.parse("127.0.0.1/32"), Cidr.parse("::1/128")));

  public AdminConfig {
    allowFrom = List.copyOf(allowFrom);
  }
}
