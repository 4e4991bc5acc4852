package io.mesh4j.reliability;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the backends received: for every request id, how many times it reached any backend, kept
 * apart for POSTs and GETs. Thread-safe (backend threads record, the test reads afterwards).
 */
final class Ledger {
  /** The header carrying each request's unique id. */
  static final String ID_HEADER = "x-test-id";

  private final ConcurrentHashMap<String, AtomicInteger> posts = new ConcurrentHashMap<>();
  private final LongAdder getArrivals = new LongAdder();
  private final LongAdder getDuplicates = new LongAdder();
  private final ConcurrentHashMap<String, Boolean> getsSeen = new ConcurrentHashMap<>();
  private final LongAdder[] perBackend;

  Ledger(int backends) {
    perBackend = new LongAdder[backends];
    for (int i = 0; i < backends; i++) perBackend[i] = new LongAdder();
  }

  void received(int backend, String method, String id) {
    perBackend[backend].increment();
    if ("POST".equals(method)) {
      posts.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
    } else {
      getArrivals.increment();
      if (getsSeen.putIfAbsent(id, Boolean.TRUE) != null) getDuplicates.increment();
    }
  }

  /** POST ids that reached a backend more than once (must stay empty). */
  List<String> duplicatedPosts() {
    return posts.entrySet().stream().filter(e -> e.getValue().get() > 1)
        .map(e -> e.getKey() + " x" + e.getValue().get()).sorted().toList();
  }

  /** Distinct POST ids that reached a backend. */
  int postsReceived() {
    return posts.size();
  }

  /** GET arrivals beyond the first of their id (allowed: a GET is retried after a reset). */
  long getDuplicates() {
    return getDuplicates.sum();
  }

  long getArrivals() {
    return getArrivals.sum();
  }

  long arrivalsAt(int backend) {
    return perBackend[backend].sum();
  }
}
