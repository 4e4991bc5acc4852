package io.mesh4j.endpoint;

import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.EndpointConfig;
import io.mesh4j.time.Scheduler;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster's configured endpoints with every DNS name expanded to all its addresses, re-resolved
 * periodically.
 *
 * <h2>Expansion</h2>
 *
 * <p>An endpoint whose host is an IP literal is passed through unchanged. An endpoint whose host
 * is a DNS name ({@code inventory.internal:8080}) becomes one endpoint per resolved address (A and
 * AAAA), each with the configured port, weight and zone; addresses are ordered IPv4 first, then
 * by their bytes, so the list is stable. Entries keep the config's order; when two entries yield
 * the same address, the first wins.
 *
 * <h2>Resolution</h2>
 *
 * <ul>
 *   <li>Names are resolved with the injected {@link DnsResolver}, one lookup per distinct name,
 *       on the injected lookup executor (never on the scheduler thread), every {@code refresh}
 *       after the previous round completed (Envoy's {@code dns_refresh_rate}, default 5s; the
 *       JVM's own DNS cache may answer in between).
 *   <li>A lookup that fails (or answers nothing) keeps that name's last good answer; a name that
 *       never resolved contributes no endpoint. Failures are logged once per failure streak.
 *   <li>A list is pushed after the first round and then only when it changed.
 *   <li>{@link #update} takes a new config at once and starts a new round (names still configured
 *       keep their last good answer meanwhile).
 * </ul>
 *
 * <p>Thread-safe. Rounds never overlap, so lists are pushed one at a time and in order.
 */
public final class DnsEndpointSource implements EndpointSource {
  private static final Logger log = LoggerFactory.getLogger(DnsEndpointSource.class);

  /** The default re-resolution interval: 5 seconds, Envoy's {@code dns_refresh_rate}. */
  public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(5);

  /** Marks a failed lookup; compared by identity. */
  private static final List<String> FAILED = java.util.Collections.unmodifiableList(new ArrayList<>());

  private final DnsResolver resolver;
  private final Duration refresh;
  private final Scheduler scheduler;
  private final Executor lookupExecutor;
  private final String cluster;

  // Guarded by this.
  private List<EndpointConfig> endpoints;
  private final Map<String, List<String>> lastGood = new HashMap<>();
  private final Set<String> failing = new HashSet<>();
  private List<EndpointConfig> lastPushed;
  private Listener listener;
  private boolean running;
  private boolean pending;
  private boolean closed;
  private Scheduler.Cancellable timer;

  /**
   * A source for {@code config}'s endpoints.
   *
   * @param refresh time between the end of one resolution round and the start of the next; positive
   * @param lookupExecutor runs the (blocking) lookups; a direct executor makes them synchronous
   * @throws IllegalArgumentException when {@code refresh} is not positive
   */
  public DnsEndpointSource(
      ClusterConfig config,
      DnsResolver resolver,
      Duration refresh,
      Scheduler scheduler,
      Executor lookupExecutor) {
    if (refresh.isZero() || refresh.isNegative()) {
      throw new IllegalArgumentException("refresh: " + refresh + " (expected: > 0)");
    }
    this.cluster = config.name();
    this.endpoints = config.endpoints();
    this.resolver = resolver;
    this.refresh = refresh;
    this.scheduler = scheduler;
    this.lookupExecutor = lookupExecutor;
  }

  @Override
  public void start(Listener listener) {
    synchronized (this) {
      if (closed || this.listener != null) return;
      this.listener = listener;
    }
    startRound();
  }

  @Override
  public boolean update(ClusterConfig config) {
    synchronized (this) {
      if (config.endpoints().equals(endpoints)) return true;
      endpoints = config.endpoints();
    }
    startRound();
    return true;
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      if (timer != null) timer.cancel();
      timer = null;
    }
  }

  private void startRound() {
    Set<String> names = new LinkedHashSet<>();
    synchronized (this) {
      if (closed || listener == null) return;
      if (running) {
        pending = true;
        return;
      }
      running = true;
      pending = false;
      if (timer != null) timer.cancel();
      timer = null;
      for (EndpointConfig e : endpoints) {
        if (!Hosts.isIpLiteral(e.host())) names.add(e.host());
      }
    }
    Round round = new Round(names.size());
    if (names.isEmpty()) {
      finishRound(round);
      return;
    }
    for (String name : names) {
      try {
        lookupExecutor.execute(() -> round.resolved(name, lookup(name)));
      } catch (RejectedExecutionException e) {
        round.resolved(name, FAILED);
      }
    }
  }

  private List<String> lookup(String name) {
    try {
      InetAddress[] answer = resolver.resolve(name);
      if (answer == null || answer.length == 0) {
        noteFailure(name, "empty answer");
        return FAILED;
      }
      InetAddress[] sorted = answer.clone();
      Arrays.sort(sorted, DnsEndpointSource::compare);
      Set<String> out = new LinkedHashSet<>();
      for (InetAddress a : sorted) out.add(a.getHostAddress());
      return List.copyOf(out);
    } catch (Exception e) {
      noteFailure(name, e.toString());
      return FAILED;
    }
  }

  private void noteFailure(String name, String why) {
    boolean first;
    int kept;
    synchronized (this) {
      first = failing.add(name);
      List<String> last = lastGood.get(name);
      kept = last == null ? 0 : last.size();
    }
    if (first) {
      log.warn(
          "DNS lookup of '{}' for cluster '{}' failed ({}); keeping the last answer ({} addresses) and retrying every {}",
          name,
          cluster,
          why,
          kept,
          refresh);
    }
  }

  private void finishRound(Round round) {
    List<EndpointConfig> list;
    Listener l;
    boolean push;
    synchronized (this) {
      for (Map.Entry<String, List<String>> e : round.results.entrySet()) {
        if (e.getValue() != FAILED) {
          lastGood.put(e.getKey(), e.getValue());
          if (failing.remove(e.getKey())) {
            log.info("DNS lookup of '{}' for cluster '{}' succeeds again", e.getKey(), cluster);
          }
        }
      }
      Set<String> configured = new HashSet<>();
      for (EndpointConfig e : endpoints) configured.add(e.host());
      lastGood.keySet().retainAll(configured);
      failing.retainAll(configured);
      list = expand(endpoints, lastGood);
      push = !closed && (lastPushed == null || !list.equals(lastPushed));
      if (push) lastPushed = list;
      l = listener;
    }
    if (push) {
      try {
        l.onEndpoints(list);
      } catch (RuntimeException e) {
        log.error("cluster '{}' failed to apply its DNS endpoints", cluster, e);
      }
    }
    boolean again = false;
    synchronized (this) {
      running = false;
      if (closed) return;
      if (pending) {
        again = true;
      } else {
        timer = scheduler.schedule(this::startRound, refresh);
      }
    }
    if (again) startRound();
  }

  static List<EndpointConfig> expand(List<EndpointConfig> configured, Map<String, List<String>> answers) {
    Map<String, EndpointConfig> out = new LinkedHashMap<>();
    for (EndpointConfig e : configured) {
      if (Hosts.isIpLiteral(e.host())) {
        out.putIfAbsent(e.address(), e);
        continue;
      }
      List<String> ips = answers.get(e.host());
      if (ips == null) continue;
      for (String ip : ips) {
        EndpointConfig resolved = new EndpointConfig(
            ip, e.port(), e.weight(), e.locality(), e.priority(), e.localityWeight());
        out.putIfAbsent(resolved.address(), resolved);
      }
    }
    return List.copyOf(new ArrayList<>(out.values()));
  }

  private static int compare(InetAddress a, InetAddress b) {
    byte[] x = a.getAddress();
    byte[] y = b.getAddress();
    if (x.length != y.length) return Integer.compare(x.length, y.length);
    return Arrays.compareUnsigned(x, y);
  }

  /** One resolution round: collects every name's answer, then finishes once. */
  private final class Round {
    final Map<String, List<String>> results = new ConcurrentHashMap<>();
    final AtomicInteger remaining;

    Round(int names) {
      this.remaining = new AtomicInteger(names);
    }

    void resolved(String name, List<String> answer) {
      results.put(name, answer);
      if (remaining.decrementAndGet() == 0) finishRound(this);
    }
  }
}
