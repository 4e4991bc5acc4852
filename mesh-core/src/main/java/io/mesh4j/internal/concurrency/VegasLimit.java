package io.mesh4j.internal.concurrency;

/**
 * The {@code vegas} algorithm (TCP Vegas, as in Netflix's concurrency-limits): estimate the queue
 * from how far the latest latency is above the lowest one seen, and keep it small.
 *
 * <h2>Design</h2>
 *
 * {@code noLoad} is the lowest latency seen (the service with no queue). For a sample of latency
 * {@code rtt} while the limit is in use (at least half in flight):
 *
 * <pre>
 * queue = ceil(limit × (1 − noLoad / rtt))           // requests waiting, by Little's law
 * l     = max(1, floor(log10(limit)))
 * α     = min(3·l, max(1, limit / 4))
 * β     = min(6·l, max(1, limit / 2))
 * queue ≤ l          → limit + min(6·l, max(1, limit / 2))   (nearly no queue: grow fast)
 * queue &lt; α          → limit + l        (a small queue: grow)
 * queue &gt; β          → limit − l        (a queue builds: shrink)
 * otherwise          → unchanged
 * </pre>
 *
 * Netflix's thresholds are α = 3·l and β = 6·l requests. Below a limit of 12 they are scaled down
 * with the limit: a service with a handful of workers would otherwise settle with 3–6 requests
 * waiting, one to three times its own concurrency, so an admitted request waited one to three
 * service times (2 workers of 20 ms under 2× overload: admitted p99 2.9× the unloaded p99). Scaled,
 * the limit shrinks once more than half of it waits, which is once a request's latency passes
 * twice the no-load one, and stops growing once a quarter waits; the fast step is at most half the
 * limit (Netflix's 6·l would take a limit of 3 to 9 on one sample, and the requests admitted on the
 * way back wait three service times). From a limit of 12 on the thresholds are Netflix's.
 *
 * <p>The limit moves at most once per round trip, as TCP Vegas adjusts once per RTT (Netflix's
 * library moves it on every sample): after a change, the samples of the requests that were in
 * flight at that moment are skipped, since they were admitted under the old limit and their
 * latency says nothing about the new one. Moving on each of them overshoots: the limit runs up on
 * the short latencies of a drained queue and down on the long ones of the queue that follows
 * (a 100-worker service at 2× load kept 63 % of its capacity that way; once per round trip, 98 %).
 *
 * <p>A dropped request shrinks the limit by {@code l} whatever the latency. To follow a service that
 * got slower for good (where the old {@code noLoad} would shrink the limit forever), {@code
 * noLoad} is re-learnt every {@value #PROBE_MULTIPLIER} × limit samples by a probe, as Envoy's
 * adaptive concurrency filter measures its minimum round trip: the limit is pinned at {@code min}
 * until {@value #PROBE_SAMPLES} samples were taken with no more than {@code min} requests in
 * flight (the queue drained), the lowest of them becomes {@code noLoad}, and the limit goes back
 * to where it was. Without the drain, a service kept overloaded would re-learn a queued latency
 * as its no-load one, under-estimate its queue and let the limit grow. The drain costs capacity
 * for a few service times, so it is rare (Envoy's default is once a minute); the samples admitted
 * during it are skipped like those after a change. When the limit already is {@code min} nothing
 * needs draining: {@code noLoad} is forgotten every {@value #RELEARN_AT_MIN} × min samples and the
 * next sample is taken as it comes. Results are kept within {@code min..max}.
 */
public final class VegasLimit implements LimitAlgorithm {
  static final int PROBE_MULTIPLIER = 300;
  /** At {@code min} nothing is drained: the no-load latency is forgotten every this × min samples. */
  static final int RELEARN_AT_MIN = 30;
  /** Samples with at most {@code min} in flight a probe takes before it ends. */
  static final int PROBE_SAMPLES = 5;

  private final int min;
  private final int max;
  private int limit;
  private long noLoad;
  private long samplesSinceProbe;
  /** While a probe runs: the limit to go back to; else 0. */
  private int resume;
  private long probeLowest;
  private int probeSamples;
  /**
   * Samples still to come from requests admitted before the limit last moved, or while a probe
   * held the queue empty: they tell nothing about the limit now in force.
   */
  private int hold;

  /**
   * Starts at {@code initial}, kept within {@code min..max}.
   *
   * @throws IllegalArgumentException when {@code min < 1} or {@code max < min}
   */
  public VegasLimit(int min, int max, int initial) {
    Limits.check(min, max);
    this.min = min;
    this.max = max;
    this.limit = Math.max(min, Math.min(max, initial));
  }

  @Override
  public int limit() {
    return limit;
  }

  /** The lowest latency seen since the last probe, in nanoseconds (0: none yet). */
  public long noLoadRttNanos() {
    return noLoad;
  }

  @Override
  public int onSample(long rttNanos, int inflight, boolean dropped) {
    long rtt = Math.max(1, rttNanos);
    if (resume > 0) return probe(rtt, inflight);
    long due = limit > min ? (long) PROBE_MULTIPLIER * limit : (long) RELEARN_AT_MIN * min;
    if (++samplesSinceProbe >= due) {
      samplesSinceProbe = 0;
      if (limit > min) {
        resume = limit;
        probeLowest = Long.MAX_VALUE;
        probeSamples = 0;
        limit = min;
        return limit;
      }
      noLoad = 0;
    }
    int l = log10(limit);
    if (dropped) return set(limit - l);
    if (noLoad == 0 || rtt < noLoad) {
      noLoad = rtt;
      return limit;
    }
    if (inflight * 2 < limit) return limit;
    if (hold > 0) {
      hold--;
      return limit;
    }
    long queue = (long) Math.ceil(limit * (1 - (double) noLoad / rtt));
    int next;
    if (queue <= l) next = limit + Math.min(6 * l, Math.max(1, limit / 2));
    else if (queue < alpha(limit, l)) next = limit + l;
    else if (queue > beta(limit, l)) next = limit - l;
    else return limit;
    int before = limit;
    set(next);
    // Let the requests admitted under the old limit complete before judging the new one, or
    // their lagging samples push it on past where it belongs.
    if (limit != before) hold = inflight;
    return limit;
  }

  /** A probe's sample: counted once the queue drained; the last one ends the probe. */
  private int probe(long rtt, int inflight) {
    if (inflight > min) return limit;
    probeLowest = Math.min(probeLowest, rtt);
    if (++probeSamples < PROBE_SAMPLES) return limit;
    noLoad = probeLowest;
    int back = resume;
    resume = 0;
    hold = inflight; // admitted while the queue was held empty: no evidence of room
    return set(back);
  }

  /** Whether a probe pins the limit at {@code min} now. */
  public boolean probing() {
    return resume > 0;
  }

  private int set(long next) {
    limit = (int) Math.max(min, Math.min(max, next));
    return limit;
  }

  /** Below this many waiting requests the limit grows: {@code min(3·l, max(1, limit / 4))}. */
  static int alpha(int limit, int l) {
    return Math.min(3 * l, Math.max(1, limit / 4));
  }

  /** Above this many waiting requests the limit shrinks: {@code min(6·l, max(1, limit / 2))}. */
  static int beta(int limit, int l) {
    return Math.min(6 * l, Math.max(1, limit / 2));
  }

  static int log10(int limit) {
    return Math.max(1, (int) Math.log10(limit));
  }

  @Override
  public String toString() {
    return "vegas{limit=" + limit + ", min=" + min + ", max=" + max + "}";
  }
}
