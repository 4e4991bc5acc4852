package io.mesh4j.lb;

import io.mesh4j.config.HashOnConfig;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.route.RequestView;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Consistent hashing on a Ketama-style ring: a request whose key hashes to {@code h} goes to the
 * owner of the first ring point at or after {@code h} (wrapping around).
 *
 * <h2>The ring</h2>
 *
 * <p>Each endpoint gets {@code weight * pointsPerWeight} points (default
 * {@value #DEFAULT_POINTS_PER_WEIGHT} per unit of weight); point {@code j} sits at
 * {@code hash(address + "_" + j)}. An endpoint's points therefore depend only on its own address
 * and weight, never on the other endpoints (weights are deliberately not reduced by their GCD, and
 * there is no minimum ring size that would rescale everyone). Consequences: when an endpoint
 * leaves, exactly the keys it owned move (about {@code 1/N} of them for {@code N} equal endpoints)
 * and no key moves between two endpoints that stay; when one joins, keys move only to it. Each
 * endpoint's share of keys is its share of the ring's arcs, which tends to its weight share as
 * points grow: with 128 points per endpoint expect about 9% relative deviation (one standard
 * deviation), with 1024 about 3%.
 *
 * <p>If {@code sum(weight) * pointsPerWeight} exceeds {@code maxRingSize} (default {@value
 * #DEFAULT_MAX_RING_SIZE}), each endpoint gets {@code max(1, floor(weight * maxRingSize /
 * sum(weight)))} points instead: still proportional up to rounding, but counts then depend on the
 * total weight, so a membership change also moves the few keys of points that appear or vanish
 * with the rescaling (about {@code |change of total| / total} of the keys, on top of the leaver's).
 *
 * <h2>The key</h2>
 *
 * <p>{@code hash_on} names what is hashed: a header's value (repeated lines joined with {@code ","}); a cookie's value, found in the
 * first {@code cookie} header without allocating (the raw value between {@code =} and {@code ;},
 * surrounding spaces removed; cookie names are case-sensitive); or {@link
 * RequestView#sourceAddress()}.
 * When there is no request, no {@code hash_on}, or the request lacks the key, the pick uses a
 * random point (as Envoy does), spreading keyless requests over the ring in proportion to weight
 * instead of piling them on one endpoint.
 *
 * <p>A retry ({@link PickContext#alreadyTried} true for the owner) walks clockwise to the next
 * distinct untried owner, for up to {@value #RETRY_HOPS} owner changes, then takes the first
 * untried endpoint after the owner in list order; when every endpoint was tried it returns the
 * owner.
 *
 * <p>Thread-safe, lock-free, allocation-free (a pick reads the ring and the request only).
 */
final class RingHashPicker implements Picker {
  /** Ring points per unit of weight by default. */
  static final int DEFAULT_POINTS_PER_WEIGHT = 128;
  /** The default maximum ring size (12 bytes per point: 12 MiB at most). */
  static final int DEFAULT_MAX_RING_SIZE = 1 << 20;
  /** The largest ring searched without branches. */
  static final int BRANCH_FREE_LIMIT = 1 << 17;
  /** Owner changes a retry walks along the ring before scanning the endpoint list. */
  static final int RETRY_HOPS = 32;

  private final Endpoint[] endpoints;
  private final PickResult[] results;
  private final long[] points;
  private final int[] owners;
  private final HashOnConfig.Kind kind;
  private final String name;
  private final RandomGenerator random;

  /**
   * @param hashOn what to hash, or {@code null} (every pick then uses a random point)
   * @param random the source of points for keyless requests, or {@code null} for {@link
   *     ThreadLocalRandom} (the only thread-safe choice; a fixed generator is for tests)
   */
  RingHashPicker(
      List<Endpoint> endpoints,
      int[] weights,
      HashOnConfig hashOn,
      int pointsPerWeight,
      int maxRingSize,
      RandomGenerator random) {
    this.endpoints = Candidates.check(endpoints, weights);
    if (this.endpoints.length == 0) throw new IllegalArgumentException("endpoints: empty");
    checkRingSizes(pointsPerWeight, maxRingSize);
    this.results = Candidates.results(this.endpoints);
    this.kind = hashOn == null ? null : hashOn.kind();
    this.name = hashOn == null || hashOn.kind() == HashOnConfig.Kind.SOURCE_IP
        ? null
        : Objects.requireNonNull(hashOn.name(), "hash_on.name");
    this.random = random;

    int[] counts = pointCounts(weights, pointsPerWeight, maxRingSize);
    int size = 0;
    for (int c : counts) size += c;
    long[] hashes = new long[size];
    int[] owner = new int[size];
    int[] ordinal = new int[size];
    int k = 0;
    StringBuilder key = new StringBuilder();
    for (int i = 0; i < counts.length; i++) {
      String address = this.endpoints[i].address();
      for (int j = 0; j < counts[i]; j++) {
        key.setLength(0);
        key.append(address).append('_').append(j);
        hashes[k] = Hashing.hash(key.toString());
        owner[k] = i;
        ordinal[k] = j;
        k++;
      }
    }
    int[] order = sortedOrder(hashes, owner, ordinal);
    this.points = new long[size];
    this.owners = new int[size];
    for (int p = 0; p < size; p++) {
      points[p] = hashes[order[p]];
      owners[p] = owner[order[p]];
    }
  }

  /**
   * The point indices in ring order: by hash, then (for equal hashes) by endpoint address and point
   * number, so the ring never depends on the order the registry lists endpoints in. Sorting packs
   * each hash's top 44 bits with the point index into one {@code long} for a primitive sort, then
   * an insertion pass repairs the rare neighbours whose hashes differ only in the low 20 bits.
   */
  private int[] sortedOrder(long[] hashes, int[] owner, int[] ordinal) {
    int size = hashes.length;
    int[] order = new int[size];
    if (size <= 1 << 20) {
      long mask = -1L << 20;
      long[] packed = new long[size];
      for (int p = 0; p < size; p++) packed[p] = (hashes[p] & mask) | p;
      Arrays.sort(packed);
      for (int p = 0; p < size; p++) order[p] = (int) (packed[p] & ~mask);
    } else {
      Integer[] boxed = new Integer[size];
      for (int p = 0; p < size; p++) boxed[p] = p;
      Arrays.sort(boxed, (a, b) -> Long.compare(hashes[a], hashes[b]));
      for (int p = 0; p < size; p++) order[p] = boxed[p];
    }
    for (int p = 1; p < size; p++) {
      int current = order[p];
      int q = p - 1;
      while (q >= 0 && precedes(current, order[q], hashes, owner, ordinal)) {
        order[q + 1] = order[q];
        q--;
      }
      order[q + 1] = current;
    }
    return order;
  }

  private boolean precedes(int a, int b, long[] hashes, int[] owner, int[] ordinal) {
    if (hashes[a] != hashes[b]) return hashes[a] < hashes[b];
    int c = endpoints[owner[a]].address().compareTo(endpoints[owner[b]].address());
    return c != 0 ? c < 0 : ordinal[a] < ordinal[b];
  }

  static void checkRingSizes(int pointsPerWeight, int maxRingSize) {
    if (pointsPerWeight < 1) {
      throw new IllegalArgumentException(
          "points_per_weight: " + pointsPerWeight + " (expected: >= 1)");
    }
    if (maxRingSize < 1) {
      throw new IllegalArgumentException("max_ring_size: " + maxRingSize + " (expected: >= 1)");
    }
  }

  /** Points per endpoint, as the class comment describes. */
  static int[] pointCounts(int[] weights, int pointsPerWeight, int maxRingSize) {
    long sum = 0;
    for (int w : weights) sum += w;
    int[] counts = new int[weights.length];
    boolean scaled = sum * pointsPerWeight > maxRingSize;
    for (int i = 0; i < weights.length; i++) {
      counts[i] = scaled
          ? (int) Math.max(1, (long) weights[i] * maxRingSize / sum)
          : weights[i] * pointsPerWeight;
    }
    return counts;
  }

  @Override
  public PickResult pick(PickContext context) {
    int position = position(keyHash(context.request()));
    int owner = owners[position];
    if (!context.alreadyTried(endpoints[owner])) return results[owner];
    int last = owner;
    int hops = 0;
    for (int step = 1; step < owners.length && hops < RETRY_HOPS; step++) {
      int p = position + step;
      if (p >= owners.length) p -= owners.length;
      int candidate = owners[p];
      if (candidate == last) continue;
      last = candidate;
      hops++;
      if (!context.alreadyTried(endpoints[candidate])) return results[candidate];
    }
    return results[Candidates.nextUntried(endpoints, owner, context)];
  }

  /**
   * The index of the first point at or after {@code hash}, wrapping to 0. Rings of up to {@value
   * #BRANCH_FREE_LIMIT} points (1 MiB, cache-resident) use a branch-free search over the {@code n
   * + 1} answers ({@code n} meaning "past the last point"): random key hashes would mispredict a
   * branching one on most steps. Larger rings use {@link Arrays#binarySearch}, whose speculation
   * overlaps the cache misses that dominate there (measured: 3x faster at 700k points, 3x slower
   * at 1k).
   */
  int position(long hash) {
    long[] p = points;
    int lo;
    if (p.length <= BRANCH_FREE_LIMIT) {
      lo = 0;
      int len = p.length + 1;
      while (len > 1) {
        int half = len >>> 1;
        lo = p[lo + half - 1] < hash ? lo + half : lo;
        len -= half;
      }
    } else {
      lo = Arrays.binarySearch(p, hash);
      if (lo < 0) lo = -lo - 1;
    }
    return lo == p.length ? 0 : lo;
  }

  private long keyHash(RequestView request) {
    if (request != null && kind != null) {
      switch (kind) {
        case HEADER -> {
          String value = request.header(name);
          if (value != null) return Hashing.hash(value);
        }
        case COOKIE -> {
          String header = request.header("cookie");
          if (header != null) {
            long packed = cookieValue(header, name);
            if (packed >= 0) return Hashing.hash(header, (int) (packed >>> 32), (int) packed);
          }
        }
        case SOURCE_IP -> {
          String source = request.sourceAddress();
          if (source != null) return Hashing.hash(source);
        }
      }
    }
    return (random != null ? random : ThreadLocalRandom.current()).nextLong();
  }

  /**
   * Finds cookie {@code name} in a {@code Cookie} header ({@code a=1; b=2}) without allocating:
   * returns {@code from << 32 | to} of its value, or -1 when absent.
   */
  static long cookieValue(String header, String name) {
    int n = header.length();
    int i = 0;
    while (i < n) {
      while (i < n && isSeparator(header.charAt(i))) i++;
      int end = header.indexOf(';', i);
      if (end < 0) end = n;
      int eq = header.indexOf('=', i);
      if (eq >= 0 && eq < end) {
        int nameEnd = eq;
        while (nameEnd > i && header.charAt(nameEnd - 1) == ' ') nameEnd--;
        if (nameEnd - i == name.length() && header.regionMatches(i, name, 0, name.length())) {
          int from = eq + 1;
          while (from < end && header.charAt(from) == ' ') from++;
          int to = end;
          while (to > from && (header.charAt(to - 1) == ' ' || header.charAt(to - 1) == '\t')) to--;
          return (long) from << 32 | to;
        }
      }
      i = end + 1;
    }
    return -1;
  }

  private static boolean isSeparator(char c) {
    return c == ' ' || c == '\t' || c == ';';
  }

  /** The number of points on the ring (tests, diagnostics). */
  int size() {
    return points.length;
  }

  /** The ring points, ascending (tests). */
  long[] points() {
    return points.clone();
  }

  /** The owner index of every point, in ring order (tests). */
  int[] owners() {
    return owners.clone();
  }

  @Override
  public String toString() {
    return "RingHashPicker{endpoints=" + endpoints.length + ", points=" + points.length + "}";
  }
}
