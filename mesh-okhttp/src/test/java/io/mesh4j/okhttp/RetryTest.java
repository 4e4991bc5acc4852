package io.mesh4j.okhttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.mesh4j.endpoint.Failure;
import io.mesh4j.okhttp.MeshException.Reason;
import java.io.IOException;
import java.util.stream.Stream;
import mockwebserver3.MockResponse;
import mockwebserver3.SocketEffect;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Which failures are retried, and which are not, over real sockets. One endpoint whose first
 * answer is the failure and whose later answers are 200 "ok" (or a port nothing listens on): the
 * backend's count of requests it read tells whether a request was duplicated.
 */
class RetryTest {
  final Fixture f = new Fixture();

  @AfterEach
  void tearDown() {
    f.close();
  }

  enum Kind {
    /** The server reads the request, then closes the connection instead of answering. */
    RESET_AFTER_READ,
    /** The server accepts the connection and closes it before reading anything. */
    CLOSED_BEFORE_READ,
    /** The server reads the request and never answers (per_try_timeout 2s). */
    STALL,
    /** Nothing listens on the endpoint's port. */
    CONNECT_REFUSED,
    STATUS_500,
    STATUS_503,
    STATUS_409,
    STATUS_404
  }

  /** What the call ended with: a status, or a mesh failure. */
  record Expect(int status, Reason reason, Failure failure, Boolean sent) {
    static Expect ok() {
      return new Expect(200, null, null, null);
    }

    static Expect status(int s) {
      return new Expect(s, null, null, null);
    }

    static Expect fails(Failure failure, boolean sent) {
      return new Expect(0, Reason.UPSTREAM_FAILURE, failure, sent);
    }
  }

  record Case(String method, boolean idempotencyKey, Kind kind, String retry, Expect expect,
      int attempts, int atBackend) {
    @Override
    public String toString() {
      return method + (idempotencyKey ? "+Idempotency-Key" : "") + " " + kind + " retry{" + retry
          + "} -> " + (expect.reason == null ? expect.status : expect.failure) + ", " + attempts
          + " attempts, " + atBackend + " at the backend";
    }
  }

  static final String DEFAULT = "";
  static final String ONLY_CONNECT = "retry_on: [connect-failure]";

  static Stream<Case> cases() {
    return Stream.of(
        new Case("GET", false, Kind.RESET_AFTER_READ, DEFAULT, Expect.ok(), 2, 2),
        new Case("POST", false, Kind.RESET_AFTER_READ, DEFAULT, Expect.fails(Failure.RESET, true), 1, 1),
        new Case("PATCH", false, Kind.RESET_AFTER_READ, DEFAULT, Expect.fails(Failure.RESET, true), 1, 1),
        new Case("POST", true, Kind.RESET_AFTER_READ, DEFAULT, Expect.ok(), 2, 2),
        new Case("POST", false, Kind.RESET_AFTER_READ, "idempotent_only: false", Expect.ok(), 2, 2),
        new Case("PUT", false, Kind.RESET_AFTER_READ, DEFAULT, Expect.ok(), 2, 2),
        new Case("GET", false, Kind.RESET_AFTER_READ, ONLY_CONNECT, Expect.fails(Failure.RESET, true), 1, 1),
        new Case("GET", false, Kind.CLOSED_BEFORE_READ, DEFAULT, Expect.ok(), 2, 1),
        new Case("POST", false, Kind.CLOSED_BEFORE_READ, DEFAULT, Expect.fails(Failure.RESET, true), 1, 0),
        new Case("GET", false, Kind.STALL, DEFAULT, Expect.ok(), 2, 2),
        new Case("POST", false, Kind.STALL, DEFAULT, Expect.fails(Failure.TIMEOUT, true), 1, 1),
        new Case("GET", false, Kind.STALL, ONLY_CONNECT, Expect.fails(Failure.TIMEOUT, true), 1, 1),
        new Case("GET", false, Kind.CONNECT_REFUSED, DEFAULT, Expect.fails(Failure.CONNECT_FAILURE, false), 2, 0),
        new Case("POST", false, Kind.CONNECT_REFUSED, DEFAULT, Expect.fails(Failure.CONNECT_FAILURE, false), 2, 0),
        new Case("GET", false, Kind.CONNECT_REFUSED, "retry_on: [gateway-error]", Expect.fails(Failure.CONNECT_FAILURE, false), 2, 0),
        new Case("GET", false, Kind.CONNECT_REFUSED, "{ retry_on: [retriable-status-codes], retriable_status_codes: [409] }", Expect.fails(Failure.CONNECT_FAILURE, false), 1, 0),
        new Case("GET", false, Kind.STATUS_503, DEFAULT, Expect.ok(), 2, 2),
        new Case("POST", false, Kind.STATUS_503, DEFAULT, Expect.status(503), 1, 1),
        new Case("GET", false, Kind.STATUS_500, DEFAULT, Expect.status(500), 1, 1),
        new Case("GET", false, Kind.STATUS_500, "retry_on: [5xx]", Expect.ok(), 2, 2),
        new Case("POST", false, Kind.STATUS_500, "retry_on: [5xx]", Expect.status(500), 1, 1),
        new Case("GET", false, Kind.STATUS_409, "{ retry_on: [retriable-status-codes], retriable_status_codes: [409] }", Expect.ok(), 2, 2),
        new Case("GET", false, Kind.STATUS_409, "retry_on: [5xx]", Expect.status(409), 1, 1),
        new Case("GET", false, Kind.STATUS_404, "{ retry_on: [5xx, gateway-error, reset, retriable-status-codes], retriable_status_codes: [409] }", Expect.status(404), 1, 1));
  }

  static MockResponse script(Kind kind) {
    MockResponse.Builder b = new MockResponse.Builder();
    return switch (kind) {
      case RESET_AFTER_READ -> b.onResponseStart(new SocketEffect.CloseSocket()).build();
      case CLOSED_BEFORE_READ -> b.onRequestStart(new SocketEffect.CloseSocket()).build();
      case STALL -> b.onResponseStart(SocketEffect.Stall.INSTANCE).build();
      case STATUS_500 -> b.code(500).body("boom").build();
      case STATUS_503 -> b.code(503).body("busy").build();
      case STATUS_409 -> b.code(409).body("conflict").build();
      case STATUS_404 -> b.code(404).body("missing").build();
      case CONNECT_REFUSED -> throw new IllegalArgumentException();
    };
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void eachFailureIsRetriedExactlyWhenThePolicyAndTheIdempotencyRuleAllow(Case c)
      throws IOException {
    String address;
    Backend backend = null;
    if (c.kind == Kind.CONNECT_REFUSED) {
      address = "127.0.0.1:" + TestSupport.closedPort();
    } else {
      backend = f.backend().enqueue(script(c.kind));
      address = backend.address();
    }
    String retry = c.retry.startsWith("{") ? c.retry.substring(1, c.retry.length() - 1) : c.retry;
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }]
            retry: { per_try_timeout: 2s%s }
        """.formatted(address, retry.isEmpty() ? "" : ", " + retry));
    Request.Builder rb = new Request.Builder().url("http://inventory/items");
    if (!c.method.equals("GET")) rb.method(c.method, RequestBody.create("payload", null));
    if (c.idempotencyKey) rb.header("Idempotency-Key", "k-1");

    if (c.expect.reason == null) {
      try (Response r = f.client.newCall(rb.build()).execute()) {
        assertThat(r.code()).isEqualTo(c.expect.status);
        r.body().string();
      }
    } else {
      Throwable t = catchThrowable(() -> f.client.newCall(rb.build()).execute().close());
      assertThat(t).isInstanceOfSatisfying(MeshException.class, e -> {
        assertThat(e.reason()).isEqualTo(c.expect.reason);
        assertThat(e.failure()).isEqualTo(c.expect.failure);
        assertThat(e.requestSent()).isEqualTo(c.expect.sent);
        assertThat(e.attempts()).isEqualTo(c.attempts);
        assertThat(e.cluster()).isEqualTo("inventory");
        assertThat(e.route()).isEqualTo("implicit");
      });
    }
    assertThat(f.attempts()).isEqualTo(c.attempts);
    assertThat(f.retries()).isEqualTo(c.attempts - 1);
    if (backend != null) assertThat(backend.count()).isEqualTo(c.atBackend);
    assertThat(f.activeRequests("inventory")).isZero();
    assertThat(f.breakerActive("inventory")).isZero();
  }

  @Test
  void aRetryGoesToAnEndpointNotYetTried() throws IOException {
    Backend a = f.backend();
    Backend b = f.backend().sharingScriptWith(a);
    a.enqueue(new MockResponse.Builder().code(503).build());
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }, { address: %s }]
        """.formatted(a.address(), b.address()));

    try (Response r = f.client.newCall(new Request.Builder().url("http://inventory/").build())
        .execute()) {
      assertThat(r.code()).isEqualTo(200);
    }

    assertThat(a.count()).isEqualTo(1);
    assertThat(b.count()).isEqualTo(1);
  }

  @Test
  void aRefusedStreamIsRetriedEvenForAPostBecauseTheServerDidNotProcessIt() throws IOException {
    Backend a = f.h2cBackend();
    a.enqueue(new MockResponse.Builder().onResponseStart(new SocketEffect.CloseStream(7)).build());
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - { name: inventory, endpoints: [{ address: %s }] }
        """.formatted(a.address()));
    f.client = MeshOkHttp.wrap(new okhttp3.OkHttpClient.Builder()
        .protocols(java.util.List.of(okhttp3.Protocol.H2_PRIOR_KNOWLEDGE)).build(), f.mesh);

    try (Response r = f.client.newCall(new Request.Builder().url("http://inventory/")
        .post(RequestBody.create("p", null)).build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
    assertThat(f.attempts()).isEqualTo(2);
  }

  @Test
  void aRefusedStreamIsReportedAsNeverSentWhenNotRetried() {
    Backend a = f.h2cBackend();
    a.enqueue(new MockResponse.Builder().onResponseStart(new SocketEffect.CloseStream(7)).build());
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }]
            retry: { retry_on: [retriable-status-codes], retriable_status_codes: [409] }
        """.formatted(a.address()));
    f.client = MeshOkHttp.wrap(new okhttp3.OkHttpClient.Builder()
        .protocols(java.util.List.of(okhttp3.Protocol.H2_PRIOR_KNOWLEDGE)).build(), f.mesh);

    Throwable t = catchThrowable(() -> f.client.newCall(new Request.Builder()
        .url("http://inventory/").post(RequestBody.create("p", null)).build()).execute());

    assertThat(t).isInstanceOfSatisfying(MeshException.class, e -> {
      assertThat(e.failure()).isEqualTo(Failure.REFUSED_STREAM);
      assertThat(e.requestSent()).isFalse();
      assertThat(e.attempts()).isEqualTo(1);
    });
  }

  @Test
  void aOneShotBodyIsRetriedOnlyWhenItWasNeverSent() {
    Backend a = f.backend().enqueue(script(Kind.RESET_AFTER_READ));
    f.wrap("""
        version: 1
        service: frontend
        clusters:
          - name: inventory
            endpoints: [{ address: %s }]
            retry: { idempotent_only: false }
        """.formatted(a.address()));
    RequestBody oneShot = new RequestBody() {
      @Override
      public okhttp3.MediaType contentType() {
        return null;
      }

      @Override
      public boolean isOneShot() {
        return true;
      }

      @Override
      public void writeTo(okio.BufferedSink sink) throws IOException {
        sink.writeUtf8("once");
      }
    };

    Throwable t = catchThrowable(() -> f.client.newCall(new Request.Builder()
        .url("http://inventory/").put(oneShot).build()).execute());

    assertThat(t).isInstanceOfSatisfying(MeshException.class, e -> {
      assertThat(e.failure()).isEqualTo(Failure.RESET);
      assertThat(e.attempts()).isEqualTo(1);
      assertThat(e.getMessage()).contains("body-not-replayable");
    });
    assertThat(a.count()).isEqualTo(1);
  }
}
