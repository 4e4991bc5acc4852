package io.mesh4j.config;

import java.util.List;
import java.util.Locale;

/**
 * How the client speaks to a cluster's endpoints ({@code clusters[].tls}). Immutable.
 *
 * @param mode {@code mutual} (present the workload certificate and verify the server), {@code
 *     simple} (verify the server only) or {@code disabled} (plaintext, the default)
 * @param sni the server name sent in the handshake, or {@code null} for the request's host
 * @param verify which server identities are accepted once the chain is trusted; {@link
 *     Verify#ANY} when absent
 * @param minVersion the lowest TLS version offered: {@code 1.2} (default) or {@code 1.3}
 * @param source the {@code identity_sources} entry whose bundle (and, in {@code mutual} mode,
 *     certificate) is used; required unless {@code disabled}
 */
public record TlsConfig(Mode mode, String sni, Verify verify, String minVersion, String source) {
  /** The default {@code min_version}. */
  public static final String DEFAULT_MIN_VERSION = "1.2";

  /** Plaintext. */
  public static final TlsConfig DISABLED = new TlsConfig(Mode.DISABLED, null, null, null, null);

  public TlsConfig {
    mode = mode == null ? Mode.DISABLED : mode;
    verify = verify == null ? Verify.ANY : verify;
    minVersion = minVersion == null ? DEFAULT_MIN_VERSION : minVersion;
  }

  /** Whether the client speaks TLS to the cluster. */
  public boolean enabled() {
    return mode != Mode.DISABLED;
  }

  /** The client's TLS mode. */
  public enum Mode {
    /** Present the workload certificate and verify the server's chain and identity. */
    MUTUAL,
    /** Verify the server's chain and identity; present no certificate. */
    SIMPLE,
    /** Plaintext. */
    DISABLED;

    /** The config spelling. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Mode fromConfigName(String s) {
      for (Mode m : values()) if (m.configName().equals(s)) return m;
      return null;
    }
  }

  /**
   * The server identities accepted ({@code tls.verify}): at most one of the two lists is non-empty;
   * both empty accepts any identity the trust bundle vouches for.
   *
   * @param spiffeIds SPIFFE IDs, each exact or a prefix ending with {@code *}
   * @param subjectAltNames DNS, URI or IP subject alternative names, exact
   */
  public record Verify(List<String> spiffeIds, List<String> subjectAltNames) {
    /** Any identity the bundle vouches for. */
    public static final Verify ANY = new Verify(List.of(), List.of());

    public Verify {
      spiffeIds = spiffeIds == null ? List.of() : List.copyOf(spiffeIds);
      subjectAltNames = subjectAltNames == null ? List.of() : List.copyOf(subjectAltNames);
    }
  }
}
