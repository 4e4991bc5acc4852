package io.mesh4j.config;

import java.util.Locale;

/**
 * How this service authenticates its callers ({@code inbound.tls}). The container terminates TLS
 * (with {@code Mesh.serverTls()}, a context over the named source); the servlet filter enforces
 * the mode and counts each request by how its peer was authenticated. Immutable.
 *
 * @param mode {@code strict}: only requests over mutual TLS reach the application; {@code
 *     permissive}: plaintext and TLS are both accepted and counted apart
 * @param source the {@code identity_sources} entry served and whose bundle client certificates
 *     must chain to
 */
public record InboundTlsConfig(Mode mode, String source) {

  public InboundTlsConfig {
    mode = mode == null ? Mode.STRICT : mode;
  }

  /** Istio's peer-authentication modes. */
  public enum Mode {
    /** Only mutual TLS requests reach the application; others get 403. */
    STRICT,
    /** Mutual TLS and plaintext are both accepted. */
    PERMISSIVE;

    /** The config spelling. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Mode fromConfigName(String s) {
      for (Mode m : values()) if (m.configName().equals(s)) return m;
      return null;
    }
  }
}
