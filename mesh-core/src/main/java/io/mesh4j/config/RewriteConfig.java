package io.mesh4j.config;

/**
 * Rewrites applied to a forwarded request. Immutable; null components are absent.
 *
 * @param prefix replaces the part of the path the route's prefix matched
 * @param regex with {@code substitution}: replaces every match in the path
 * @param substitution the replacement for {@code regex} ({@code \1} style groups allowed)
 * @param host replaces the Host/authority sent upstream
 */
public record RewriteConfig(String prefix, String regex, String substitution, String host) {}
