package io.mesh4j.lb;

import io.mesh4j.endpoint.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Picks a share of {@link LocalityShares} (a priority level, or one locality inside it), then
 * lets that share's own picker (the cluster's {@code lb}: weighted round robin, least request,
 * ring hash, random or a custom one) pick the endpoint.
 *
 * <p>The share is chosen by a smooth weighted round robin over the shares' millionths ({@link
 * SmoothSchedule}), so over any whole cycle of the reduced shares each share is chosen exactly its
 * share of the picks, and a fleet of callers does not move in lock step (each picker starts at a
 * position drawn from its seed). A retry whose pick lands on an endpoint already tried moves on to
 * the next shares in cycle order before settling for it.
 *
 * <p>Thread-safe; {@link #pick} is lock-free (one {@code getAndIncrement}) and allocates nothing
 * beyond what the share's picker allocates (nothing, for the built-in ones).
 */
public final class LocalityPicker implements Picker {
  private final Picker[] slots;
  private final int[] sequence;
  private final int length;
  private final long magic;
  private final PaddedSequence counter;
  private final LocalityShares shares;

  private LocalityPicker(LocalityShares shares, Picker[] slots, SmoothSchedule schedule, long start) {
    this.shares = shares;
    this.slots = slots;
    this.sequence = schedule.sequence();
    this.length = sequence.length;
    this.magic = WeightedRoundRobinPicker.magic(length);
    this.counter = new PaddedSequence(start);
  }

  /** The endpoints of one share and their effective weights (same index), for {@link #build}. */
  public record Slot(List<Endpoint> endpoints, int[] weights) {
    public Slot {
      endpoints = List.copyOf(endpoints);
      weights = weights.clone();
    }
  }

  /**
   * Builds a picker over {@code shares}.
   *
   * @param shares the shares
   * @param slots the endpoints of each share of {@code shares.shares()}, same index
   * @param factory builds each share's picker
   * @param seed where the share sequence starts
   * @return a picker; {@link PickResult#NONE} for every pick when there is no share
   * @throws IllegalArgumentException if {@code slots} does not match the shares
   */
  public static Picker build(
      LocalityShares shares, List<Slot> slots, PickerFactory factory, long seed) {
    Objects.requireNonNull(shares, "shares");
    Objects.requireNonNull(factory, "factory");
    List<LocalityShares.Share> list = shares.shares();
    if (slots.size() != list.size()) {
      throw new IllegalArgumentException("slots: " + slots.size() + " (expected: one per share, "
          + list.size() + ")");
    }
    List<Picker> pickers = new ArrayList<>();
    List<Integer> weights = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      Slot slot = slots.get(i);
      if (slot.endpoints().isEmpty()) continue;
      pickers.add(factory.build(slot.endpoints(), slot.weights()));
      weights.add(list.get(i).perMillion());
    }
    if (pickers.isEmpty()) return EmptyPicker.INSTANCE;
    if (pickers.size() == 1) return pickers.get(0);
    int[] w = weights.stream().mapToInt(Integer::intValue).toArray();
    SmoothSchedule schedule = SmoothSchedule.of(w);
    return new LocalityPicker(shares, pickers.toArray(new Picker[0]), schedule,
        Math.floorMod(seed, schedule.sequence().length));
  }

  @Override
  public PickResult pick(PickContext context) {
    int position = WeightedRoundRobinPicker.position(counter.getAndIncrement(), length, magic);
    PickResult r = slots[sequence[position]].pick(context);
    if (r.hasEndpoint() && !context.alreadyTried(r.endpoint())) return r;
    return retry(context, position, r);
  }

  private PickResult retry(PickContext context, int position, PickResult natural) {
    int first = sequence[position];
    int probes = Math.min(length - 1, WeightedRoundRobinPicker.RETRY_PROBES * slots.length);
    for (int k = 1; k <= probes; k++) {
      int p = position + k;
      if (p >= length) p -= length;
      if (sequence[p] == first) continue;
      PickResult r = slots[sequence[p]].pick(context);
      if (r.hasEndpoint() && !context.alreadyTried(r.endpoint())) return r;
      if (!natural.hasEndpoint()) natural = r;
    }
    return natural;
  }

  /** The shares this picker realises. */
  public LocalityShares shares() {
    return shares;
  }

  @Override
  public String toString() {
    return "LocalityPicker{shares=" + slots.length + ", cycle=" + length + "}";
  }
}
