package io.mesh4j.policy;

import io.mesh4j.internal.policy.PolicyInternals;
import io.mesh4j.internal.policy.PolicyRun;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.ExtensionArgs;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.RouteTable;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.AbstractLogger;

class AuditLogPolicyTest {
  final FakeTime time = new FakeTime();
  final List<String> lines = new ArrayList<>();
  final List<String> loggerNames = new ArrayList<>();

  /** Records "LEVEL message" lines; info and debug enabled as told. */
  final class Capture extends AbstractLogger {
    private static final long serialVersionUID = 1L;
    final boolean debugEnabled;

    Capture(String name, boolean debugEnabled) {
      this.name = name;
      this.debugEnabled = debugEnabled;
    }

    @Override protected String getFullyQualifiedCallerName() { return null; }
    @Override protected void handleNormalizedLoggingCall(
        Level level, Marker marker, String msg, Object[] args, Throwable t) {
      lines.add(level + " " + msg);
    }
    @Override public boolean isTraceEnabled() { return false; }
    @Override public boolean isTraceEnabled(Marker marker) { return false; }
    @Override public boolean isDebugEnabled() { return debugEnabled; }
    @Override public boolean isDebugEnabled(Marker marker) { return debugEnabled; }
    @Override public boolean isInfoEnabled() { return true; }
    @Override public boolean isInfoEnabled(Marker marker) { return true; }
    @Override public boolean isWarnEnabled() { return true; }
    @Override public boolean isWarnEnabled(Marker marker) { return true; }
    @Override public boolean isErrorEnabled() { return true; }
    @Override public boolean isErrorEnabled(Marker marker) { return true; }
  }

  AuditLogPolicyFactory factory(boolean debugEnabled) {
    return new AuditLogPolicyFactory(name -> {
      loggerNames.add(name);
      return new Capture(name, debugEnabled);
    });
  }

  static RequestView request(String path, String authority) {
    return new RequestView() {
      @Override public String method() { return "POST"; }
      @Override public String scheme() { return "http"; }
      @Override public String authority() { return authority; }
      @Override public String path() { return path; }
      @Override public String query() { return "token=secret"; }
      @Override public String header(String name) { return null; }
      @Override public String sourceAddress() { return null; }
    };
  }

  PolicyRun run(RequestPolicy p, RouteTable.Direction side, RequestView r, String vh, String route, String id) {
    CompiledPolicy c = CompiledPolicy.of("audit-log", p, new SimpleMeterRegistry(), time);
    PolicyRun run = PolicyInternals.start(
        PolicyChain.of(side, List.of(c), time), r, vh, route, id, time.read());
    run.onRequest();
    return run;
  }

  RequestPolicy create(AuditLogPolicyFactory f, Map<String, Object> args) {
    return f.create(ExtensionArgs.of(args), new PolicyContext(time, Clock.systemUTC(), new SimpleMeterRegistry()));
  }

  @Test
  void writesOneLinePerRequestWithoutTheQueryString() {
    RequestPolicy p = create(factory(false), Map.of());
    PolicyRun run = run(p, RouteTable.Direction.INBOUND, request("/orders/7", "orders:8080"),
        "orders", "write", "4bf92f35");
    time.advance(Duration.ofNanos(12_345_678));
    run.complete(201, null);
    assertThat(loggerNames).containsExactly("io.mesh4j.audit");
    assertThat(lines).containsExactly("INFO side=inbound method=POST authority=orders:8080"
        + " path=/orders/7 route=orders/write status=201 duration_ms=12.345 request_id=4bf92f35");
  }

  @Test
  void aFailureAnAnswerByAPolicyAndOddValuesAreSpelledOut() {
    RequestPolicy p = create(factory(false), Map.of("logger", "audit.client"));
    PolicyRun run = run(p, RouteTable.Direction.OUTBOUND, request("/a b\"c", "api"), null, null, null);
    time.advance(Duration.ofMillis(3));
    run.complete(0, new java.net.ConnectException("refused"));
    assertThat(loggerNames).containsExactly("audit.client");
    assertThat(lines).containsExactly("INFO side=outbound method=POST authority=api"
        + " path=\"/a b\\\"c\" route=- status=- duration_ms=3.000 request_id=-"
        + " failure=ConnectException");
  }

  @Test
  void debugLevelLogsOnlyWhenTheLoggerHasDebugOn() {
    RequestPolicy off = create(factory(false), Map.of("level", "debug"));
    run(off, RouteTable.Direction.INBOUND, request("/", "a"), "v", "r", "1").complete(200, null);
    assertThat(lines).isEmpty();
    RequestPolicy on = create(factory(true), Map.of("level", "debug"));
    run(on, RouteTable.Direction.INBOUND, request("/", "a"), "v", "r", "1").complete(200, null);
    assertThat(lines).containsExactly("DEBUG side=inbound method=POST authority=a path=/ route=v/r"
        + " status=200 duration_ms=0.000 request_id=1");
  }

  @Test
  void directionArgumentRestrictsTheSideAndItAlwaysFailsOpen() {
    RequestPolicy p = create(factory(false), Map.of("direction", "inbound"));
    assertThat(p.direction()).isEqualTo(RequestPolicy.Direction.INBOUND);
    assertThat(p.failureMode()).isEqualTo(RequestPolicy.FailureMode.FAIL_OPEN);
    assertThat(create(factory(false), Map.of()).direction()).isEqualTo(RequestPolicy.Direction.BOTH);
  }
}
