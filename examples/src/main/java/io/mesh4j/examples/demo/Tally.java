package io.mesh4j.examples.demo;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the traffic generator saw, from the client's side: requests, successes, failures, and
 * per request kind which instance answered and whether it saw the canary header. One tally per
 * act and one for the whole run. Thread-safe; readers see counts that may lag a request in flight.
 */
final class Tally {
  private static final int MAX_FAILURE_SAMPLES = 5;

  private final String label;
  private final LongAdder requests = new LongAdder();
  private final LongAdder successes = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final Map<RequestKind, PerKind> kinds = new EnumMap<>(RequestKind.class);
  /** Distinct failure messages (at most {@value #MAX_FAILURE_SAMPLES}) and how often each came. */
  private final ConcurrentHashMap<String, LongAdder> failureSamples = new ConcurrentHashMap<>();

  Tally(String label) {
    this.label = label;
    for (RequestKind k : RequestKind.values()) kinds.put(k, new PerKind());
  }

  /** The act (or {@code run}) this tally belongs to. */
  String label() {
    return label;
  }

  /**
   * Records one request.
   *
   * @param servedBy the instance that answered ({@code x-served-by}), or null
   * @param failure why the request counts as failed, or null when it succeeded
   */
  void record(RequestKind kind, int status, String servedBy, boolean sawCanary, String failure) {
    requests.increment();
    PerKind k = kinds.get(kind);
    k.requests.increment();
    k.statuses.computeIfAbsent(status, s -> new LongAdder()).increment();
    if (servedBy != null) k.servedBy.computeIfAbsent(servedBy, s -> new LongAdder()).increment();
    if (sawCanary) k.sawCanary.increment();
    if (failure == null) {
      successes.increment();
    } else {
      failures.increment();
      k.failures.increment();
      String sample = kind.label() + ": " + failure;
      LongAdder n = failureSamples.get(sample);
      if (n == null && failureSamples.size() < MAX_FAILURE_SAMPLES) {
        n = failureSamples.computeIfAbsent(sample, x -> new LongAdder());
      }
      if (n != null) n.increment();
    }
  }

  long requests() {
    return requests.sum();
  }

  long successes() {
    return successes.sum();
  }

  long failures() {
    return failures.sum();
  }

  /** Requests of this kind. */
  long requests(RequestKind kind) {
    return kinds.get(kind).requests.sum();
  }

  /** Failed requests of this kind. */
  long failures(RequestKind kind) {
    return kinds.get(kind).failures.sum();
  }

  /** Requests of this kind whose answering instance saw {@code x-canary: true}. */
  long sawCanary(RequestKind kind) {
    return kinds.get(kind).sawCanary.sum();
  }

  /** Requests of this kind answered by each instance, by instance name (sorted). */
  Map<String, Long> servedBy(RequestKind kind) {
    Map<String, Long> out = new TreeMap<>();
    kinds.get(kind).servedBy.forEach((name, n) -> out.put(name, n.sum()));
    return out;
  }

  /** Requests of this kind by the status the generator received (0: no response). */
  Map<Integer, Long> statuses(RequestKind kind) {
    Map<Integer, Long> out = new TreeMap<>();
    kinds.get(kind).statuses.forEach((status, n) -> out.put(status, n.sum()));
    return out;
  }

  /**
   * The first few distinct failures, as {@code kind: reason} lines, each prefixed with how often
   * it came when more than once ({@code 3x GET /shop/items: got 502 ...}).
   */
  List<String> failureSamples() {
    List<String> out = new java.util.ArrayList<>();
    failureSamples.forEach((sample, n) -> out.add(n.sum() > 1 ? n.sum() + "x " + sample : sample));
    return out;
  }

  private static final class PerKind {
    final LongAdder requests = new LongAdder();
    final LongAdder failures = new LongAdder();
    final LongAdder sawCanary = new LongAdder();
    final ConcurrentHashMap<String, LongAdder> servedBy = new ConcurrentHashMap<>();
    final ConcurrentHashMap<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
  }
}
