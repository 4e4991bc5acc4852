package io.mesh4j.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.mesh4j.config.PropagateConfig;
import io.mesh4j.observe.ServerSpan;
import io.mesh4j.observe.TraceScope;
import io.mesh4j.time.FakeTime;
import io.mesh4j.route.RequestView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@SuppressWarnings("try") // scopes are opened for their effect, not referenced
class MeshContextTest {
  private static final PropagateConfig PROPAGATE =
      new PropagateConfig(List.of("x-request-id", "traceparent", "tracestate", "baggage", "x-canary"), List.of());

  private final ExecutorService other = Executors.newSingleThreadExecutor();

  @AfterEach
  void shutdown() {
    other.shutdownNow();
    assertThat(MeshContext.current()).as("a test leaked a scope").isSameAs(MeshContext.EMPTY);
  }

  /** Headers by lower-case name; everything else is irrelevant to context capture. */
  private static RequestView request(Map<String, String> headers) {
    return new RequestView() {
      @Override public String method() { return "GET"; }
      @Override public String scheme() { return "http"; }
      @Override public String authority() { return "self"; }
      @Override public String path() { return "/"; }
      @Override public String query() { return null; }
      @Override public String header(String name) { return headers.get(name.toLowerCase(Locale.ROOT)); }
      @Override public String sourceAddress() { return "127.0.0.1"; }
    };
  }

  private static MeshContext ctx(String id) {
    return MeshContext.builder().requestId(id).build();
  }

  @Test
  void nothingAttachedMeansTheEmptyContext() {
    MeshContext c = MeshContext.current();
    assertThat(c).isSameAs(MeshContext.EMPTY);
    assertThat(c.isEmpty()).isTrue();
    assertThat(c.requestId()).isNull();
    assertThat(c.headers()).isEmpty();
  }

  @Test
  void scopesNestAndEachCloseRestoresThePreviousContext() {
    MeshContext a = ctx("a");
    MeshContext b = ctx("b");
    try (MeshContext.Scope sa = MeshContext.attach(a)) {
      assertThat(MeshContext.current()).isSameAs(a);
      try (MeshContext.Scope sb = MeshContext.attach(b)) {
        assertThat(MeshContext.current()).isSameAs(b);
        try (MeshContext.Scope se = MeshContext.attach(MeshContext.EMPTY)) {
          assertThat(MeshContext.current()).isSameAs(MeshContext.EMPTY);
        }
        assertThat(MeshContext.current()).isSameAs(b);
      }
      assertThat(MeshContext.current()).isSameAs(a);
    }
    assertThat(MeshContext.current()).isSameAs(MeshContext.EMPTY);
  }

  @Test
  void attachingTheCurrentContextAgainIsANoop() {
    MeshContext a = ctx("a");
    try (MeshContext.Scope outer = MeshContext.attach(a)) {
      MeshContext.attach(a).close();
      assertThat(MeshContext.current()).isSameAs(a);
    }
  }

  @Test
  void aSecondCloseIsIgnored() {
    MeshContext a = ctx("a");
    MeshContext b = ctx("b");
    try (MeshContext.Scope sa = MeshContext.attach(a)) {
      MeshContext.Scope sb = MeshContext.attach(b);
      sb.close();
      MeshContext.Scope sc = MeshContext.attach(ctx("c"));
      sb.close(); // must not restore "a" underneath "c"
      assertThat(MeshContext.current().requestId()).isEqualTo("c");
      sc.close();
      assertThat(MeshContext.current()).isSameAs(a);
    }
  }

  @Test
  void outOfOrderClosesStillRestoreEachScopesPrevious() {
    MeshContext a = ctx("a");
    MeshContext.Scope sa = MeshContext.attach(a);
    MeshContext.Scope sb = MeshContext.attach(ctx("b"));
    sa.close();
    assertThat(MeshContext.current()).isSameAs(MeshContext.EMPTY);
    sb.close();
    assertThat(MeshContext.current()).isSameAs(a);
    MeshContext.attach(MeshContext.EMPTY); // back to empty for the leak check
    assertThat(MeshContext.current()).isSameAs(MeshContext.EMPTY);
  }

  @Test
  void aScopeClosedOnAnotherThreadIsIgnored() throws Exception {
    MeshContext a = ctx("a");
    MeshContext.Scope s = MeshContext.attach(a);
    other.submit(s::close).get(10, TimeUnit.SECONDS);
    assertThat(MeshContext.current()).isSameAs(a);
    assertThat(other.submit(MeshContext::current).get(10, TimeUnit.SECONDS)).isSameAs(MeshContext.EMPTY);
    s.close();
  }

  @Test
  void wrappedTasksCarryTheContextToAnotherThreadAndLeaveItClean() throws Exception {
    MeshContext a = ctx("a");
    Runnable r;
    java.util.concurrent.Callable<String> c;
    AtomicReference<MeshContext> seen = new AtomicReference<>();
    try (MeshContext.Scope s = MeshContext.attach(a)) {
      r = MeshContext.current().wrap(() -> seen.set(MeshContext.current()));
      c = MeshContext.current().wrap(() -> MeshContext.current().requestId());
    }
    other.submit(r).get(10, TimeUnit.SECONDS);
    assertThat(seen.get()).isSameAs(a);
    assertThat(other.submit(c).get().toString()).isEqualTo("a");
    assertThat(other.submit(MeshContext::current).get(10, TimeUnit.SECONDS)).isSameAs(MeshContext.EMPTY);
  }

  @Test
  void aWrappedTaskRestoresTheRunningThreadsOwnContext() throws Exception {
    MeshContext own = ctx("own");
    AtomicReference<String> seen = new AtomicReference<>();
    Runnable r = ctx("carried").wrap(() -> seen.set(MeshContext.current().requestId()));
    try (MeshContext.Scope s = MeshContext.attach(own)) {
      r.run();
      assertThat(seen.get()).isEqualTo("carried");
      assertThat(MeshContext.current()).isSameAs(own);
    }
  }

  @Test
  void aPropagatingExecutorCapturesTheContextAtSubmission() throws Exception {
    java.util.concurrent.Executor ex = MeshContext.propagating(other);
    List<String> seen = new ArrayList<>();
    try (MeshContext.Scope s = MeshContext.attach(ctx("first"))) {
      ex.execute(() -> seen.add(MeshContext.current().requestId()));
    }
    try (MeshContext.Scope s = MeshContext.attach(ctx("second"))) {
      ex.execute(() -> seen.add(MeshContext.current().requestId()));
    }
    ex.execute(() -> seen.add(String.valueOf(MeshContext.current().requestId())));
    other.submit(() -> {}).get(10, TimeUnit.SECONDS);
    assertThat(seen).containsExactly("first", "second", "null");
  }

  @Test
  void anInboundRequestKeepsItsRequestIdAndThePropagatedHeadersInConfigOrder() {
    Map<String, String> h = new HashMap<>();
    h.put("x-request-id", "abc-123");
    h.put("x-canary", "true");
    h.put("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    h.put("x-other", "not propagated");
    MeshContext c = MeshContext.fromRequest(PROPAGATE, request(h), () -> "generated");

    assertThat(c.requestId()).isEqualTo("abc-123");
    assertThat(c.headerCount()).isEqualTo(2);
    assertThat(c.header("X-Canary")).isEqualTo("true");
    assertThat(c.header("x-other")).isNull();
    assertThat(c.header("x-request-id")).isNull();
    assertThat(c.headers())
        .containsExactly(
            entry("x-request-id", "abc-123"),
            entry("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
            entry("x-canary", "true"));
    Map<String, String> copied = new LinkedHashMap<>();
    c.forEachHeader(copied::put);
    assertThat(copied).containsExactlyEntriesOf(c.headers());
  }

  @Test
  void aRequestWithoutAValidRequestIdGetsAGeneratedOne() {
    assertThat(MeshContext.fromRequest(PROPAGATE, request(Map.of()), () -> "gen-1").requestId()).isEqualTo("gen-1");
    assertThat(MeshContext.fromRequest(PROPAGATE, request(Map.of("x-request-id", "")), () -> "gen-2").requestId())
        .isEqualTo("gen-2");
    assertThat(MeshContext.fromRequest(PROPAGATE, request(Map.of("x-request-id", "a\r\nx-admin: 1")), () -> "gen-3").requestId())
        .isEqualTo("gen-3");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a\rb", "a\nb", "a\u0000b", "a\u0007b", "a\u007Fb", "caf\u00e9", "\u2028"})
  void aValueWithControlOrNonAsciiCharactersIsDroppedNeverPropagated(String bad) {
    MeshContext c =
        MeshContext.fromRequest(PROPAGATE, request(Map.of("x-canary", bad, "baggage", "k=v")), () -> "id");
    assertThat(c.header("x-canary")).isNull();
    assertThat(c.headers()).containsOnlyKeys("x-request-id", "baggage");
    assertThat(MeshContext.isValidValue(bad)).isFalse();
  }

  @Test
  void tabsSpacesAndVisibleAsciiArePropagatedAsIs() {
    String v = " a\tb ~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|} ";
    MeshContext c = MeshContext.builder().header("x-canary", v).build();
    assertThat(c.header("x-canary")).isEqualTo(v);
  }

  @Test
  void theBuilderLowerCasesNamesReplacesDuplicatesAndDropsInvalidEntries() {
    MeshContext c =
        MeshContext.builder()
            .header("X-Canary", "1")
            .header("baggage", "k=v")
            .header("x-canary", "2")
            .header("bad name", "x")
            .header("", "x")
            .header(null, "x")
            .header("tracestate", null)
            .header("X-Request-Id", "rid")
            .build();
    assertThat(c.requestId()).isEqualTo("rid");
    assertThat(c.headers()).containsExactly(entry("x-request-id", "rid"), entry("x-canary", "2"), entry("baggage", "k=v"));

    MeshContext dropped = MeshContext.builder().header("x-canary", "ok").header("x-canary", "bad\n").build();
    assertThat(dropped).isSameAs(MeshContext.EMPTY);
  }

  @Test
  void eachContextHoldsOnlyItsOwnValues() {
    PropagateConfig meshA = new PropagateConfig(List.of("x-a"), List.of());
    PropagateConfig meshB = new PropagateConfig(List.of("x-b"), List.of());
    RequestView req = request(Map.of("x-a", "1", "x-b", "2", "x-request-id", "r"));
    MeshContext a = MeshContext.fromRequest(meshA, req, () -> "g");
    MeshContext b = MeshContext.fromRequest(meshB, req, () -> "g");
    assertThat(a.headers()).containsExactly(entry("x-request-id", "r"), entry("x-a", "1"));
    assertThat(b.headers()).containsExactly(entry("x-request-id", "r"), entry("x-b", "2"));
  }

  @Test
  void generatedRequestIdsAre32LowerCaseHexDigitsAndUnique() throws Exception {
    RequestIdGenerator ids = RequestIdGenerator.create();
    java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        fs.add(pool.submit(() -> {
          for (int i = 0; i < 25_000; i++) {
            String id = ids.next();
            if (!isLowerHex32(id)) throw new AssertionError("not 32 lower-case hex digits: " + id);
            seen.add(id);
          }
        }));
      }
      for (Future<?> f : fs) f.get(30, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertThat(seen).hasSize(100_000);
    assertThat(RequestIdGenerator.create().next()).isNotEqualTo(RequestIdGenerator.create().next());
  }

  private static boolean isLowerHex32(String s) {
    if (s.length() != 32) return false;
    for (int i = 0; i < 32; i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
  }
  // ------------------------------------------------------------------ span and deadline

  /** A span that counts how often it is current. */
  static final class CountingSpan extends ServerSpan {
    final List<String> events = new ArrayList<>();

    @Override public TraceScope activate() {
      events.add("on " + Thread.currentThread().getName());
      return () -> events.add("off");
    }
  }

  @Test
  void attachingAContextWithASpanMakesTheSpanCurrentUntilTheScopeCloses() throws Exception {
    CountingSpan span = new CountingSpan();
    MeshContext ctx = MeshContext.builder().requestId("r").build().withSpan(span);
    assertThat(ctx.span()).isSameAs(span);
    try (MeshContext.Scope s = MeshContext.attach(ctx)) {
      assertThat(span.events).containsExactly("on " + Thread.currentThread().getName());
    }
    assertThat(span.events).hasSize(2).endsWith("off");

    ExecutorService pool = Executors.newSingleThreadExecutor(r -> new Thread(r, "worker"));
    try {
      pool.submit(ctx.wrap(() -> { })).get(5, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    String me = Thread.currentThread().getName();
    assertThat(span.events).containsExactly("on " + me, "off", "on worker", "off");
  }

  @Test
  void aContextWithoutASpanReportsTheNoopSpanAndAllocatesNoTraceScope() {
    MeshContext ctx = MeshContext.builder().requestId("r").build();
    assertThat(ctx.span()).isSameAs(ServerSpan.NOOP);
    assertThat(ctx.hasDeadline()).isFalse();
    assertThat(ctx.remainingNanos(new FakeTime())).isEqualTo(Long.MAX_VALUE);
    assertThat(MeshContext.EMPTY.isEmpty()).isTrue();
  }

  @Test
  void aDeadlineRidesAlongKeepingEverythingElse() {
    FakeTime time = new FakeTime();
    MeshContext base = MeshContext.builder().requestId("r").header("x-canary", "1").build();
    MeshContext ctx = base.withDeadline(time.read() + 1_000, "Grpc-Timeout");
    assertThat(ctx.requestId()).isEqualTo("r");
    assertThat(ctx.header("x-canary")).isEqualTo("1");
    assertThat(ctx.deadlineHeader()).isEqualTo("grpc-timeout");
    assertThat(ctx.remainingNanos(time)).isEqualTo(1_000);
    assertThat(ctx.isEmpty()).isFalse();
    assertThat(base.hasDeadline()).isFalse();
    assertThat(MeshContext.EMPTY.withDeadline(5, null).deadlineHeader()).isNull();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> base.withDeadline(1, "bad header"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad header");
  }
}
