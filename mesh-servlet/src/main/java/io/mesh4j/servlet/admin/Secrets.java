package io.mesh4j.servlet.admin;

import java.util.Locale;

/**
 * Decides which names denote secrets, so the admin pages never show their values. Stateless.
 *
 * <p>Two vocabularies: config <em>field</em> names ({@code password}, {@code client_secret},
 * {@code api_key}...) and HTTP <em>header</em> (or query parameter) names ({@code Authorization},
 * {@code Cookie}, {@code X-Api-Key}, {@code X-Auth-Token}...). A name is split into words at
 * {@code -}, {@code _}, {@code .} and spaces and compared case-insensitively, so {@code
 * monkey_count} is not a key but {@code signing-key} is.
 */
final class Secrets {
  /** What a masked value is replaced with. */
  static final String MASK = "******";

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
  static boolean isSecretField(String name) {
    return matches(name, false);
  }

  /** Whether a header or query parameter called {@code name} carries a secret value. */
  static boolean isSecretHeader(String name) {
    return matches(name, true);
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
