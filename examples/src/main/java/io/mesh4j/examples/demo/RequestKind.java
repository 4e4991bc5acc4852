package io.mesh4j.examples.demo;

/**
 * The kinds of request the traffic generator sends to the frontend, and what the frontend's
 * handler calls upstream for each.
 */
enum RequestKind {
  /** {@code GET /shop/items}: the frontend calls {@code http://inventory/api/items}. */
  ITEMS("/shop/items", false, "/api/items"),
  /** {@code GET /shop/split}: the frontend calls {@code http://inventory/split/items}. */
  SPLIT("/shop/split", false, "/split/items"),
  /** {@code GET /shop/items} with {@code x-canary: true}, which the mesh carries upstream. */
  CANARY("/shop/items", true, "/api/items"),
  /** {@code GET /old/items}: an old URL the frontend's mesh redirects. */
  OLD("/old/items", false, null),
  /** {@code GET /maintenance}: answered by the frontend's mesh with a direct response. */
  MAINTENANCE("/maintenance", false, null),
  /** {@code GET /legacy/items}: passed to the frontend's own servlet, which answers it. */
  LEGACY("/legacy/items", false, null),
  /** {@code GET /v2/items}: forwarded by the frontend's MeshFilter to {@code inventory-v2}. */
  V2("/v2/items", false, null);

  /** The path prefix the frontend's own servlet answers itself (the legacy application). */
  static final String LEGACY_PREFIX = "/legacy/";

  /** The header the demo routes on and propagates. */
  static final String CANARY_HEADER = "x-canary";

  /** The frontend path the generator requests. */
  final String path;
  /** Whether the request carries {@code x-canary: true}. */
  final boolean canary;
  /** The path the frontend's handler calls on {@code http://inventory}; null when it calls nothing. */
  final String upstreamPath;

  RequestKind(String path, boolean canary, String upstreamPath) {
    this.path = path;
    this.canary = canary;
    this.upstreamPath = upstreamPath;
  }

  /** The upstream path the frontend calls for a request to {@code frontendPath}, or null. */
  static String upstreamFor(String frontendPath) {
    return switch (frontendPath) {
      case "/shop/items" -> ITEMS.upstreamPath;
      case "/shop/split" -> SPLIT.upstreamPath;
      default -> null;
    };
  }

  /** Whether the frontend's servlet answers {@code frontendPath} (200) rather than with a 404. */
  static boolean knownToTheApplication(String frontendPath) {
    return upstreamFor(frontendPath) != null || frontendPath.startsWith(LEGACY_PREFIX);
  }

  /** A short label for tables. */
  String label() {
    return canary ? "GET " + path + " (x-canary: true)" : "GET " + path;
  }
}
