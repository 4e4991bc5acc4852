package io.mesh4j.okhttp;

import java.util.concurrent.atomic.AtomicReferenceArray;
import okhttp3.HttpUrl;

/**
 * The {@code https} form of the {@code http} URLs a route sends to a TLS cluster, remembered so
 * that a warm route does not rebuild (re-canonicalize and re-print) the same URL on every attempt:
 * the caller writes {@code http://inventory/items}, the attempt to a {@code tls} cluster needs
 * {@code https://inventory/items}. A few URLs are kept, by their text, in slots picked by its hash;
 * a URL with a query is never kept (it seldom repeats, and may carry what should not outlive the
 * call). Lock-free and thread-safe: an entry is immutable, a racing miss builds the same URL twice.
 */
final class HttpsUrls {
  /** Slots; a power of two. */
  static final int SLOTS = 16;

  private record Entry(HttpUrl http, HttpUrl https) {}

  private final AtomicReferenceArray<Entry> slots = new AtomicReferenceArray<>(SLOTS);

  /** {@code url} with the scheme {@code https} (and its port, or 443 where it had none). */
  HttpUrl of(HttpUrl url) {
    if (url.isHttps()) return url;
    if (url.encodedQuery() != null) return https(url);
    int slot = url.hashCode() & (SLOTS - 1);
    Entry e = slots.get(slot);
    if (e != null && e.http.equals(url)) return e.https;
    HttpUrl https = https(url);
    slots.set(slot, new Entry(url, https));
    return https;
  }

  private static HttpUrl https(HttpUrl url) {
    return url.newBuilder().scheme("https").build();
  }
}
