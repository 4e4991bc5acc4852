package io.mesh4j.config;

import java.util.Locale;

/**
 * The one masking rule of mesh4j: decides which names denote secrets and masks their values, so
 * no output (the admin's {@code /mesh/config} and {@code /mesh/explain} in JSON and text, the
 * CLI, config error messages, {@code toString()} of config records) ever shows one. Stateless.
 *
 * <p>A configured header or query matcher value ({@code exact}, {@code prefix}, {@code regex}...)
 * is masked when its header or parameter name is credential-like ({@link #isSecretHeader}); the
 * value of a config field is masked when the field's own name is ({@link #isSecretField}).
 *
 * <p>Two vocabularies: config <em>field</em> names ({@code password}, {@code client_secret},
 * {@code api_key}...) and HTTP <em>header</em> (or query parameter) names ({@code Authorization},
 * {@code Cookie}, {@code X-Api-Key}, {@code X-Auth-Token}...). A name is split into words at
 * {@code -}, {@code _}, {@code .} and spaces and compared case-insensitively, so {@code
 * monkey_count} is not a key but {@code signing-key} is.
 */
public final class Secrets {
  /** What a masked value is replaced with. */
  public static final String MASK = "******";

  /** Words that mark a secret wherever they appear inside a word ({@code oauthtoken}). */
  private static final String[] INFIXES = {"password", "passwd", "secret", "token", "credential"};
  /** Whole words that mark a secret ({@code x-api-key}, {@code pwd}). */
  private static final String[] WORDS = {"key", "apikey", "pwd", "privatekey", "passphrase"};
  /** Whole words that mark a secret in header and query names only. */
  private static final String[] HEADER_WORDS = {
    "authorization", "auth", "cookie", "session", "sessionid", "signature", "jwt", "bearer"
  };

  private Secrets() {}

  /** Whether a config field called {@code name} holds a secret. */
  public static boolean isSecretField(String name) {
    return matches(name, false);
  }

  /** Whether a header or query parameter called {@code name} carries a secret value. */
  public static boolean isSecretHeader(String name) {
    return matches(name, true);
  }

  /**
   * {@code value} as it may be shown for the header or query parameter {@code name}: the value
   * itself, or {@link #MASK} when the name is credential-like. {@code null} stays {@code null}.
   */
  public static String headerValue(String name, String value) {
    return value != null && isSecretHeader(name) ? MASK : value;
  }

  private static boolean matches(String name, boolean header) {
    if (name == null || name.isEmpty()) return false;
    String lower = name.toLowerCase(Locale.ROOT);
    for (String infix : INFIXES) {
      if (lower.contains(infix)) return true;
    }
    for (String word : lower.split("[-_. ]+")) {
      for (String w : WORDS) {
        if (word.equals(w)) return true;
      }
      if (header) {
        for (String w : HEADER_WORDS) {
          if (word.equals(w)) return true;
        }
        // set-cookie, proxy-authorization and friends are caught by the word loop; this catches
        // run-together spellings such as "xauthorization".
        if (word.endsWith("authorization") || word.endsWith("cookie")) return true;
      }
    }
    return false;
  }
}
