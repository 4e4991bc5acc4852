package io.mesh4j.lb;

import io.mesh4j.config.LocalityLbConfig;
import io.mesh4j.config.Locality;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How a cluster's traffic is shared among priority levels and localities, computed the way
 * Envoy's {@code LoadBalancerBase} and {@code ZoneAwareLoadBalancerBase} compute it. A pure
 * function of its inputs; immutable; computed off the hot path whenever membership or health
 * changes, and shown by explain and simulate.
 *
 * <h2>Design note</h2>
 *
 * <p><b>Levels.</b> In {@code zone_aware} and {@code weighted} mode a level is a priority that has
 * endpoints, in ascending order. In {@code failover} mode a level is a pair (priority, distance
 * from the service's own locality: same sub-zone 0, zone 1, region 2, other 3), in ascending
 * order: Istio's locality failover.
 *
 * <p><b>Priority load</b> (Envoy's integer arithmetic, {@code F} = overprovisioning factor in
 * percent, 140 by default):
 *
 * <ol>
 *   <li>health of level {@code i}: {@code h[i] = min(100, F × healthy[i] / total[i])} (integer
 *       division);
 *   <li>{@code T = min(100, Σ h)}; when {@code T = 0} level 0 gets 100%;
 *   <li>otherwise, in level order, {@code load[i] = min(left, h[i] × 100 / T)}, and what integer
 *       division leaves over goes to the first level with {@code h > 0}.
 * </ol>
 *
 * <p><b>Panic</b>, per level: a level is in panic when {@code healthy × 100 < panic_threshold ×
 * total}; a level in panic spreads its load over all its endpoints, healthy or not. When every
 * level is in panic (total panic) the load follows endpoint counts: {@code load[i] = 100 ×
 * total[i] / Σ total}, the remainder to the first non-empty level. {@code panic_threshold: 0}
 * disables panic (an all-unhealthy cluster then fails its requests).
 *
 * <p><b>Zone-aware routing</b> ({@code zone_aware}, inside the level of priority 0 when it is not
 * in panic). Off unless the service's own locality is known, the level has at least {@code
 * min_cluster_size} endpoints, and it has healthy endpoints in the own locality. With {@code
 * up[l] = healthy[l] × 10000 / Σ healthy} and {@code local[l] = callers[l] × 10000 / Σ callers}:
 * when {@code up[own] >= local[own]} everything stays local ("direct"); otherwise ("residual") the
 * own locality gets {@code up[own] × 10000 / local[own]} ten-thousandths, and the rest goes to each
 * other locality in proportion to its residual capacity {@code max(0, up[l] - local[l])}.
 * {@code callers} is the distribution of the calling service's instances over localities (Envoy's
 * local cluster); when not given, the callers are taken to be spread like this level's endpoints.
 *
 * <p><b>Locality-weighted</b> ({@code weighted}): inside each level a locality gets {@code
 * locality_weight × min(100, F × healthy / total)}, in proportion.
 *
 * <p>The final shares are in millionths of all requests, rounded by largest remainder so they sum
 * to exactly 1,000,000.
 */
public final class LocalityShares {
  /** The total of all shares. */
  public static final int MILLION = 1_000_000;

  /**
   * One group of a cluster's endpoints: those of one locality at one priority.
   *
   * @param priority the endpoints' priority (0 preferred)
   * @param locality their locality
   * @param total how many endpoints the group has
   * @param healthy how many of them are usable (healthy and not ejected)
   * @param localityWeight the locality's weight ({@code weighted} mode), at least 1
   */
  public record Group(int priority, Locality locality, int total, int healthy, int localityWeight) {
    public Group {
      Objects.requireNonNull(locality, "locality");
      if (total < 0 || healthy < 0 || healthy > total) {
        throw new IllegalArgumentException(
            "healthy/total: " + healthy + "/" + total + " (expected: 0 <= healthy <= total)");
      }
    }
  }

  /**
   * Where one share of the traffic goes.
   *
   * @param level the level (index into {@link #levels()})
   * @param locality the locality, or {@code null} for every endpoint of the level
   * @param perMillion the share, in millionths of all requests
   * @param panic whether the level is in panic (its unhealthy endpoints are used too)
   */
  public record Share(int level, Locality locality, int perMillion, boolean panic) {}

  /**
   * One level.
   *
   * @param priority its priority
   * @param distance its distance from the own locality ({@code failover} mode), else -1
   * @param total its endpoints
   * @param healthy its usable endpoints
   * @param health Envoy's health score, 0..100
   * @param load its percent of all requests
   * @param panic whether it is in panic
   */
  public record Level(
      int priority, int distance, int total, int healthy, int health, int load, boolean panic) {}

  private final LocalityLbConfig.Mode mode;
  private final List<Level> levels;
  private final List<Share> shares;
  private final boolean totalPanic;
  private final String zoneRouting;

  private LocalityShares(
      LocalityLbConfig.Mode mode, List<Level> levels, List<Share> shares, boolean totalPanic,
      String zoneRouting) {
    this.mode = mode;
    this.levels = levels;
    this.shares = shares;
    this.totalPanic = totalPanic;
    this.zoneRouting = zoneRouting;
  }

  /**
   * Computes the shares.
   *
   * @param config the cluster's {@code locality_lb}
   * @param panicThreshold the cluster's {@code panic_threshold}, 0..100
   * @param self the service's own locality ({@link Locality#UNKNOWN} when not known)
   * @param groups the cluster's endpoints, grouped by priority and locality (each pair once)
   * @param callers the calling service's instances per locality (Envoy's local cluster), or
   *     {@code null} to take them as spread like the endpoints of priority 0
   * @throws IllegalArgumentException if a (priority, locality) pair appears twice
   */
  public static LocalityShares compute(
      LocalityLbConfig config, int panicThreshold, Locality self, List<Group> groups,
      Map<Locality, Integer> callers) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(self, "self");
    LocalityLbConfig.Mode mode = config.mode();
    int factor = config.overprovisioningPercent();

    // Levels, in order, each with its groups.
    TreeMap<Long, List<Group>> byLevel = new TreeMap<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (Group g : groups) {
      if (!seen.add(g.priority() + " " + g.locality())) {
        throw new IllegalArgumentException("groups: priority " + g.priority() + ", locality "
            + g.locality() + " twice (expected: each pair once)");
      }
      if (g.total() == 0) continue;
      int distance = distance(mode, self, g.locality());
      long key = ((long) g.priority() << 8) | (distance + 1);
      byLevel.computeIfAbsent(key, k -> new ArrayList<>()).add(g);
    }
    int n = byLevel.size();
    int[] total = new int[n];
    int[] healthy = new int[n];
    int[] priority = new int[n];
    int[] distance = new int[n];
    List<List<Group>> levelGroups = new ArrayList<>(byLevel.values());
    int i = 0;
    for (Map.Entry<Long, List<Group>> e : byLevel.entrySet()) {
      priority[i] = (int) (e.getKey() >>> 8);
      distance[i] = (int) (e.getKey() & 0xff) - 1;
      for (Group g : e.getValue()) {
        total[i] += g.total();
        healthy[i] += g.healthy();
      }
      i++;
    }

    int[] health = new int[n];
    boolean[] panic = new boolean[n];
    boolean allPanic = n > 0 && panicThreshold > 0;
    for (i = 0; i < n; i++) {
      health[i] = (int) Math.min(100, (long) factor * healthy[i] / total[i]);
      panic[i] = panicThreshold > 0 && healthy[i] * 100L < (long) panicThreshold * total[i];
      allPanic &= panic[i];
    }
    int[] load = allPanic ? panicLoad(total) : priorityLoad(health);

    // Shares inside each level, as exact numerators over a per-level denominator.
    List<Share> raw = new ArrayList<>();
    List<long[]> fractions = new ArrayList<>(); // {numerator, denominator} of the level's load
    String zone = mode == LocalityLbConfig.Mode.ZONE_AWARE ? "off: no priority 0" : "not used";
    for (i = 0; i < n; i++) {
      boolean levelPanic = allPanic || panic[i];
      if (load[i] == 0) continue;
      List<Group> gs = levelGroups.get(i);
      switch (mode) {
        case FAILOVER -> {
          raw.add(new Share(i, null, 0, levelPanic));
          fractions.add(new long[] {load[i], 1});
        }
        case WEIGHTED -> {
          long sum = 0;
          long[] w = new long[gs.size()];
          for (int k = 0; k < gs.size(); k++) {
            Group g = gs.get(k);
            int avail = levelPanic ? 100 : (int) Math.min(100, (long) factor * g.healthy() / g.total());
            w[k] = (long) g.localityWeight() * avail;
            sum += w[k];
          }
          for (int k = 0; k < gs.size(); k++) {
            if (w[k] == 0) continue;
            raw.add(new Share(i, gs.get(k).locality(), 0, levelPanic));
            fractions.add(new long[] {load[i] * w[k], sum});
          }
        }
        case ZONE_AWARE -> {
          if (priority[i] != 0) {
            raw.add(new Share(i, null, 0, levelPanic));
            fractions.add(new long[] {load[i], 1});
            continue;
          }
          zone = zoneAware(config, self, gs, total[i], levelPanic, callers, load[i], i, raw,
              fractions);
        }
      }
    }

    List<Share> out = roundToMillion(raw, fractions);
    List<Level> lv = new ArrayList<>(n);
    for (i = 0; i < n; i++) {
      lv.add(new Level(priority[i], distance[i], total[i], healthy[i], health[i], load[i],
          allPanic || panic[i]));
    }
    return new LocalityShares(mode, List.copyOf(lv), List.copyOf(out), allPanic, zone);
  }

  /** Envoy's zone-aware split of the level of priority 0; returns the routing state. */
  private static String zoneAware(
      LocalityLbConfig config, Locality self, List<Group> gs, int levelTotal, boolean panic,
      Map<Locality, Integer> callers, int load, int level, List<Share> raw,
      List<long[]> fractions) {
    String off = null;
    Group local = null;
    long healthySum = 0;
    for (Group g : gs) {
      healthySum += g.healthy();
      if (g.locality().equals(self)) local = g;
    }
    if (self.isUnknown()) off = "off: own locality unknown";
    else if (panic) off = "off: priority 0 in panic";
    else if (levelTotal < config.minClusterSize()) {
      off = "off: " + levelTotal + " endpoints < min_cluster_size " + config.minClusterSize();
    } else if (local == null || local.healthy() == 0) off = "off: no healthy endpoint in " + self;
    Map<Locality, Long> callerCounts = new LinkedHashMap<>();
    long callerSum = 0;
    if (off == null) {
      if (callers == null) {
        for (Group g : gs) callerCounts.put(g.locality(), (long) g.total());
      } else {
        callers.forEach((l, c) -> callerCounts.merge(l, (long) Math.max(0, c), Long::sum));
      }
      for (long c : callerCounts.values()) callerSum += c;
      if (callerCounts.getOrDefault(self, 0L) == 0) off = "off: no caller in " + self;
    }
    if (off != null) {
      raw.add(new Share(level, null, 0, panic));
      fractions.add(new long[] {load, 1});
      return off;
    }
    long upLocal = local.healthy() * 10000L / healthySum;
    long callersLocal = callerCounts.get(self) * 10000L / callerSum;
    if (upLocal >= callersLocal) {
      raw.add(new Share(level, self, 0, false));
      fractions.add(new long[] {load, 1});
      return "direct";
    }
    long localToRoute = upLocal * 10000L / callersLocal;
    long[] residual = new long[gs.size()];
    long residualSum = 0;
    for (int k = 0; k < gs.size(); k++) {
      Group g = gs.get(k);
      if (g == local) continue;
      long up = g.healthy() * 10000L / healthySum;
      long lc = callerCounts.getOrDefault(g.locality(), 0L) * 10000L / callerSum;
      residual[k] = Math.max(0, up - lc);
      residualSum += residual[k];
    }
    if (residualSum == 0) {
      // Integer rounding can leave no residual capacity; spread the rest by healthy endpoints.
      for (int k = 0; k < gs.size(); k++) {
        if (gs.get(k) != local) residual[k] = gs.get(k).healthy();
        residualSum += residual[k];
      }
    }
    raw.add(new Share(level, self, 0, false));
    fractions.add(new long[] {load * localToRoute, 10000});
    for (int k = 0; k < gs.size(); k++) {
      if (residual[k] == 0) continue;
      raw.add(new Share(level, gs.get(k).locality(), 0, false));
      fractions.add(new long[] {load * (10000 - localToRoute) * residual[k], 10000 * residualSum});
    }
    return "residual: " + localToRoute / 100.0 + "% stays in " + self;
  }

  /** The failover distance (0 for all when the own locality is unknown), or -1 in other modes. */
  private static int distance(LocalityLbConfig.Mode mode, Locality self, Locality other) {
    if (mode != LocalityLbConfig.Mode.FAILOVER) return -1;
    return self.isUnknown() ? 0 : self.distanceTo(other);
  }

  /** Envoy's priority load from health scores; percent per level. */
  static int[] priorityLoad(int[] health) {
    int n = health.length;
    int[] load = new int[n];
    if (n == 0) return load;
    int sum = 0;
    for (int h : health) sum += h;
    int normalized = Math.min(100, sum);
    if (normalized == 0) {
      load[0] = 100;
      return load;
    }
    int left = 100;
    int firstHealthy = -1;
    for (int i = 0; i < n; i++) {
      load[i] = Math.min(left, health[i] * 100 / normalized);
      left -= load[i];
      if (firstHealthy < 0 && health[i] > 0) firstHealthy = i;
    }
    if (left > 0) load[firstHealthy] += left;
    return load;
  }

  /** Envoy's load in total panic: by endpoint counts. */
  static int[] panicLoad(int[] total) {
    int n = total.length;
    int[] load = new int[n];
    long sum = 0;
    for (int t : total) sum += t;
    if (sum == 0) return load;
    int left = 100;
    int first = -1;
    for (int i = 0; i < n; i++) {
      load[i] = (int) (100L * total[i] / sum);
      left -= load[i];
      if (first < 0 && total[i] > 0) first = i;
    }
    load[first] += left;
    return load;
  }

  /** Turns each share's exact fraction (of 100 percent) into millionths summing to a million. */
  private static List<Share> roundToMillion(List<Share> raw, List<long[]> fractions) {
    int m = raw.size();
    if (m == 0) return List.of();
    long[] floor = new long[m];
    long[] rem = new long[m];
    long[] den = new long[m];
    long assigned = 0;
    for (int k = 0; k < m; k++) {
      long[] f = fractions.get(k);
      // share = f[0] / f[1] percent = f[0] * 10000 / f[1] millionths
      java.math.BigInteger num = java.math.BigInteger.valueOf(f[0]).multiply(
          java.math.BigInteger.valueOf(10000));
      java.math.BigInteger[] qr = num.divideAndRemainder(java.math.BigInteger.valueOf(f[1]));
      floor[k] = qr[0].longValueExact();
      rem[k] = qr[1].longValueExact();
      den[k] = f[1];
      assigned += floor[k];
    }
    long left = MILLION - assigned;
    boolean[] bumped = new boolean[m];
    for (long x = 0; x < left; x++) {
      int best = -1;
      for (int k = 0; k < m; k++) {
        if (bumped[k]) continue;
        // compare rem[k]/den[k] > rem[best]/den[best]
        if (best < 0 || java.math.BigInteger.valueOf(rem[k]).multiply(java.math.BigInteger.valueOf(den[best]))
            .compareTo(java.math.BigInteger.valueOf(rem[best]).multiply(java.math.BigInteger.valueOf(den[k]))) > 0) {
          best = k;
        }
      }
      if (best < 0) break;
      bumped[best] = true;
      floor[best]++;
    }
    List<Share> out = new ArrayList<>(m);
    for (int k = 0; k < m; k++) {
      Share s = raw.get(k);
      if (floor[k] > 0) out.add(new Share(s.level(), s.locality(), (int) floor[k], s.panic()));
    }
    return out;
  }

  /** The mode the shares were computed for. */
  public LocalityLbConfig.Mode mode() {
    return mode;
  }

  /** The levels, in order; empty when the cluster has no endpoints. */
  public List<Level> levels() {
    return levels;
  }

  /** The shares, each above zero, summing to {@link #MILLION}; empty when nothing is pickable. */
  public List<Share> shares() {
    return shares;
  }

  /** Whether every level is in panic. */
  public boolean totalPanic() {
    return totalPanic;
  }

  /**
   * The zone-aware routing state: {@code direct}, {@code residual: ...}, {@code off: <reason>},
   * or {@code not used} outside {@code zone_aware} mode.
   */
  public String zoneRouting() {
    return zoneRouting;
  }

  /**
   * The level an endpoint of {@code priority} at {@code locality} belongs to, or -1 when no level
   * matches (the computation saw no such endpoint).
   */
  public int levelOf(int priority, Locality locality, Locality self) {
    int distance = distance(mode, self, locality);
    for (int i = 0; i < levels.size(); i++) {
      Level l = levels.get(i);
      if (l.priority() == priority && l.distance() == distance) return i;
    }
    return -1;
  }

  /** One line per level and share, for explain and the admin pages. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    sb.append("locality_lb ").append(mode.configName());
    if (totalPanic) sb.append(", total panic");
    if (mode == LocalityLbConfig.Mode.ZONE_AWARE) sb.append(", zone routing ").append(zoneRouting);
    for (int i = 0; i < levels.size(); i++) {
      Level l = levels.get(i);
      sb.append("\n  level ").append(i).append(": priority ").append(l.priority());
      if (l.distance() >= 0) sb.append(" distance ").append(l.distance());
      sb.append(", ").append(l.healthy()).append('/').append(l.total()).append(" healthy, health ")
          .append(l.health()).append(", load ").append(l.load()).append('%');
      if (l.panic()) sb.append(", panic");
      for (Share s : shares) {
        if (s.level() != i) continue;
        sb.append("\n    ").append(s.locality() == null ? "all localities" : s.locality())
            .append(": ").append(String.format(java.util.Locale.ROOT, "%.4f%%", s.perMillion() / 10000.0));
      }
    }
    return sb.toString();
  }
}
