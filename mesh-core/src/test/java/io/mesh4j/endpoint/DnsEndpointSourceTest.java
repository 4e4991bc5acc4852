package io.mesh4j.endpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.EndpointConfig;
import io.mesh4j.time.FakeTime;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DnsEndpointSourceTest {
  private static final Duration REFRESH = Duration.ofSeconds(5);

  private final FakeTime time = new FakeTime();
  private final FakeResolver resolver = new FakeResolver();
  private final List<List<String>> pushes = new ArrayList<>();

  /** Answers from a table the test edits; a missing name fails. Counts lookups. */
  static final class FakeResolver implements DnsResolver {
    final Map<String, List<String>> answers = new ConcurrentHashMap<>();
    final List<String> lookups = new ArrayList<>();

    void answer(String name, String... ips) {
      answers.put(name, List.of(ips));
    }

    @Override
    public synchronized InetAddress[] resolve(String host) throws UnknownHostException {
      lookups.add(host);
      List<String> ips = answers.get(host);
      if (ips == null) throw new UnknownHostException(host + ": NXDOMAIN");
      InetAddress[] out = new InetAddress[ips.size()];
      for (int i = 0; i < out.length; i++) out[i] = InetAddress.getByName(ips.get(i)); // literals: no DNS
      return out;
    }
  }

  private static EndpointConfig ep(String host, int port, int weight, String zone) {
    return new EndpointConfig(host, port, weight, zone);
  }

  private static ClusterConfig cluster(EndpointConfig... endpoints) {
    return new ClusterConfig("inv", null, List.of(endpoints), null, null, null, null, null, 50, null, null, null, null, null, null);
  }

  private DnsEndpointSource source(ClusterConfig config, Executor executor) {
    return new DnsEndpointSource(config, resolver, REFRESH, time, executor);
  }

  private void record(List<EndpointConfig> list) {
    pushes.add(list.stream().map(EndpointConfig::toString).toList());
  }

  @Test
  void aNameExpandsToEveryAddressWithTheConfiguredPortWeightAndZone() {
    resolver.answer("inventory.internal", "2001:db8::1", "10.0.0.9", "10.0.0.10");
    DnsEndpointSource s =
        source(cluster(ep("10.1.1.1", 81, 1, null), ep("inventory.internal", 8080, 5, "a")), Runnable::run);

    s.start(this::record);

    assertThat(pushes)
        .containsExactly(
            List.of(
                "10.1.1.1:81",
                "10.0.0.9:8080 weight=5 zone=a",
                "10.0.0.10:8080 weight=5 zone=a",
                "[2001:db8:0:0:0:0:0:1]:8080 weight=5 zone=a"));
    s.close();
  }

  @Test
  void whenTwoEntriesYieldTheSameAddressTheFirstWins() {
    resolver.answer("a.internal", "10.0.0.1");
    DnsEndpointSource s = source(cluster(ep("a.internal", 80, 3, null), ep("10.0.0.1", 80, 7, null)), Runnable::run);

    s.start(this::record);

    assertThat(pushes).containsExactly(List.of("10.0.0.1:80 weight=3"));
    s.close();
  }

  @Test
  void namesAreReResolvedEveryRefreshAndChangesArePushed() {
    resolver.answer("inv.internal", "10.0.0.1");
    DnsEndpointSource s = source(cluster(ep("inv.internal", 80, 1, null)), Runnable::run);
    s.start(this::record);

    time.advance(REFRESH); // same answer: nothing pushed
    resolver.answer("inv.internal", "10.0.0.1", "10.0.0.2");
    time.advance(REFRESH);

    assertThat(resolver.lookups).hasSize(3);
    assertThat(pushes).containsExactly(List.of("10.0.0.1:80"), List.of("10.0.0.1:80", "10.0.0.2:80"));
    s.close();
  }

  @Test
  void aFailedLookupKeepsTheLastGoodAnswer() {
    resolver.answer("inv.internal", "10.0.0.1", "10.0.0.2");
    DnsEndpointSource s = source(cluster(ep("inv.internal", 80, 1, null), ep("10.9.9.9", 80, 1, null)), Runnable::run);
    s.start(this::record);

    resolver.answers.remove("inv.internal");
    time.advance(REFRESH);
    time.advance(REFRESH);
    resolver.answer("inv.internal", "10.0.0.3");
    time.advance(REFRESH);

    assertThat(resolver.lookups).hasSize(4);
    assertThat(pushes)
        .containsExactly(
            List.of("10.0.0.1:80", "10.0.0.2:80", "10.9.9.9:80"), List.of("10.0.0.3:80", "10.9.9.9:80"));
    s.close();
  }

  @Test
  void anEmptyAnswerCountsAsAFailure() {
    resolver.answer("inv.internal", "10.0.0.1");
    DnsEndpointSource s = source(cluster(ep("inv.internal", 80, 1, null)), Runnable::run);
    s.start(this::record);

    resolver.answer("inv.internal");
    time.advance(REFRESH);

    assertThat(pushes).containsExactly(List.of("10.0.0.1:80"));
    s.close();
  }

  @Test
  void aNameThatNeverResolvedContributesNothingUntilItDoes() {
    DnsEndpointSource s = source(cluster(ep("late.internal", 80, 1, null), ep("10.0.0.5", 80, 1, null)), Runnable::run);
    s.start(this::record);

    resolver.answer("late.internal", "10.0.0.6");
    time.advance(REFRESH);

    assertThat(pushes).containsExactly(List.of("10.0.0.5:80"), List.of("10.0.0.6:80", "10.0.0.5:80"));
    s.close();
  }

  @Test
  void lookupsRunOnTheLookupExecutorNeverOnTheCallersThread() {
    Queue<Runnable> queued = new ArrayDeque<>();
    resolver.answer("inv.internal", "10.0.0.1");
    DnsEndpointSource s = source(cluster(ep("inv.internal", 80, 1, null)), queued::add);

    s.start(this::record);
    assertThat(resolver.lookups).isEmpty();
    assertThat(pushes).isEmpty();
    queued.poll().run();

    assertThat(pushes).containsExactly(List.of("10.0.0.1:80"));
    assertThat(time.pendingDelays()).containsExactly(REFRESH);
    s.close();
  }

  @Test
  void anUpdateResolvesTheNewConfigAtOnce() {
    resolver.answer("a.internal", "10.0.0.1");
    resolver.answer("b.internal", "10.0.0.2");
    DnsEndpointSource s = source(cluster(ep("a.internal", 80, 1, null)), Runnable::run);
    s.start(this::record);

    assertThat(s.update(cluster(ep("b.internal", 80, 2, null)))).isTrue();

    assertThat(pushes).containsExactly(List.of("10.0.0.1:80"), List.of("10.0.0.2:80 weight=2"));
    assertThat(time.pendingDelays()).containsExactly(REFRESH);
    s.close();
  }

  @Test
  void anUpdateDuringARoundIsTakenByThatRoundAndResolvedAgainAfterIt() {
    Queue<Runnable> queued = new ArrayDeque<>();
    resolver.answer("a.internal", "10.0.0.1");
    DnsEndpointSource s = source(cluster(ep("a.internal", 80, 1, null)), queued::add);
    s.start(this::record);

    s.update(cluster(ep("a.internal", 80, 4, null)));
    while (!queued.isEmpty()) queued.poll().run();

    assertThat(pushes).containsExactly(List.of("10.0.0.1:80 weight=4"));
    assertThat(resolver.lookups).hasSize(2);
    assertThat(time.pendingDelays()).containsExactly(REFRESH);
    s.close();
  }

  @Test
  void closeStopsRefreshingAndPushing() {
    resolver.answer("inv.internal", "10.0.0.1");
    DnsEndpointSource s = source(cluster(ep("inv.internal", 80, 1, null)), Runnable::run);
    s.start(this::record);

    s.close();
    resolver.answer("inv.internal", "10.0.0.2");
    time.advance(Duration.ofMinutes(1));

    assertThat(time.pendingTasks()).isZero();
    assertThat(pushes).hasSize(1);
    assertThat(resolver.lookups).hasSize(1);
  }

  @Test
  void aRoundThatEndsAfterCloseDoesNotPush() {
    Queue<Runnable> queued = new ArrayDeque<>();
    resolver.answer("inv.internal", "10.0.0.1");
    DnsEndpointSource s = source(cluster(ep("inv.internal", 80, 1, null)), queued::add);
    s.start(this::record);

    s.close();
    queued.poll().run();

    assertThat(pushes).isEmpty();
    assertThat(time.pendingTasks()).isZero();
  }

  @Test
  void aRefreshMustBePositive() {
    assertThatThrownBy(() -> new DnsEndpointSource(cluster(), resolver, Duration.ZERO, time, Runnable::run))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("refresh: PT0S (expected: > 0)");
  }

  @ParameterizedTest(name = "{0} is an IP literal: {1}")
  @CsvSource({
    "10.0.0.1, true",
    "255.255.255.255, true",
    "::1, true",
    "2001:db8::1, true",
    "256.0.0.1, false",
    "10.0.0, false",
    "10.0.0.1.2, false",
    "10..0.1, false",
    "inventory.internal, false",
    "localhost, false",
    "1.2.3.x, false"
  })
  void ipLiteralsAreRecognizedWithoutDns(String host, boolean literal) {
    assertThat(Hosts.isIpLiteral(host)).isEqualTo(literal);
  }

  @Test
  void theStaticSourcePushesTheConfigAsWrittenAndUpdatesOnlyOnChange() {
    StaticEndpointSource s = new StaticEndpointSource(List.of(ep("inv.internal", 80, 1, null)));
    s.start(this::record);

    s.update(cluster(ep("inv.internal", 80, 1, null)));
    s.update(cluster(ep("10.0.0.1", 80, 1, null)));
    s.close();
    s.update(cluster(ep("10.0.0.2", 80, 1, null)));

    assertThat(pushes).containsExactly(List.of("inv.internal:80"), List.of("10.0.0.1:80"));
    assertThat(resolver.lookups).isEmpty();
  }
}
