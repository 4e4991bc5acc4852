package io.mesh4j.internal.resilience;

import static io.mesh4j.internal.resilience.RetryDecision.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.config.RetryConfig;
import io.mesh4j.config.RetryOn;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.time.FakeTime;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RetryPolicyTest {
  private static final int NONE = RetryPolicy.NO_GRPC_STATUS;

  private static RetryPolicy policy(String retryOn, List<Integer> codes, int attempts, boolean idempotentOnly) {
    Set<RetryOn> on =
        retryOn.isEmpty()
            ? Set.of()
            : Arrays.stream(retryOn.split(" "))
                .map(n -> {
                  RetryOn r = RetryOn.fromConfigName(n);
                  if (r == null) throw new IllegalArgumentException(n);
                  return r;
                })
                .collect(Collectors.toSet());
    return RetryPolicy.of(
        new RetryConfig(attempts, on, codes, null, RetryConfig.Backoff.DEFAULT, RetryConfig.Budget.DEFAULT, idempotentOnly));
  }

  /** A GET on its first attempt: only the retry_on table matters. */
  @ParameterizedTest(name = "[{index}] retry_on [{0}], {1} {2} -> {3}")
  @CsvSource({
    // retry_on,               failure,          status, decision
    "connect-failure,          CONNECT_FAILURE,  0,   RETRY_CONNECT_FAILURE",
    "connect-failure,          REFUSED_STREAM,   0,   NO_RETRY_NOT_RETRIABLE",
    "connect-failure,          RESET,            0,   NO_RETRY_NOT_RETRIABLE",
    "connect-failure,          TIMEOUT,          0,   NO_RETRY_NOT_RETRIABLE",
    "connect-failure,          NONE,             503, NO_RETRY_NOT_RETRIABLE",
    "refused-stream,           REFUSED_STREAM,   0,   RETRY_REFUSED_STREAM",
    "refused-stream,           CONNECT_FAILURE,  0,   NO_RETRY_NOT_RETRIABLE",
    "refused-stream,           RESET,            0,   NO_RETRY_NOT_RETRIABLE",
    "reset,                    RESET,            0,   RETRY_RESET",
    "reset,                    TIMEOUT,          0,   RETRY_PER_TRY_TIMEOUT",
    "reset,                    CONNECT_FAILURE,  0,   RETRY_CONNECT_FAILURE",
    "reset,                    REFUSED_STREAM,   0,   RETRY_REFUSED_STREAM",
    "reset,                    NONE,             503, NO_RETRY_NOT_RETRIABLE",
    "gateway-error,            NONE,             502, RETRY_STATUS",
    "gateway-error,            NONE,             503, RETRY_STATUS",
    "gateway-error,            NONE,             504, RETRY_STATUS",
    "gateway-error,            NONE,             500, NO_RETRY_NOT_RETRIABLE",
    "gateway-error,            NONE,             501, NO_RETRY_NOT_RETRIABLE",
    "gateway-error,            NONE,             505, NO_RETRY_NOT_RETRIABLE",
    "gateway-error,            CONNECT_FAILURE,  0,   RETRY_CONNECT_FAILURE",
    "gateway-error,            REFUSED_STREAM,   0,   RETRY_REFUSED_STREAM",
    "gateway-error,            RESET,            0,   RETRY_RESET",
    "gateway-error,            TIMEOUT,          0,   RETRY_PER_TRY_TIMEOUT",
    "5xx,                      NONE,             500, RETRY_STATUS",
    "5xx,                      NONE,             503, RETRY_STATUS",
    "5xx,                      NONE,             599, RETRY_STATUS",
    "5xx,                      NONE,             499, NO_RETRY_NOT_RETRIABLE",
    "5xx,                      NONE,             600, NO_RETRY_NOT_RETRIABLE",
    "5xx,                      NONE,             200, NO_RETRY_NOT_RETRIABLE",
    "5xx,                      CONNECT_FAILURE,  0,   RETRY_CONNECT_FAILURE",
    "5xx,                      REFUSED_STREAM,   0,   RETRY_REFUSED_STREAM",
    "5xx,                      RESET,            0,   RETRY_RESET",
    "5xx,                      TIMEOUT,          0,   RETRY_PER_TRY_TIMEOUT",
    "5xx,                      OTHER,            0,   NO_RETRY_NOT_RETRIABLE",
    "5xx,                      CANCELLED,        0,   NO_RETRY_CANCELLED",
    "retriable-status-codes,   NONE,             409, RETRY_STATUS",
    "retriable-status-codes,   NONE,             429, RETRY_STATUS",
    "retriable-status-codes,   NONE,             503, NO_RETRY_NOT_RETRIABLE",
    "retriable-status-codes,   RESET,            0,   NO_RETRY_NOT_RETRIABLE",
    "'',                       CONNECT_FAILURE,  0,   NO_RETRY_NOT_RETRIABLE",
    "'',                       CANCELLED,        0,   NO_RETRY_CANCELLED",
    "connect-failure refused-stream reset gateway-error, NONE, 200, NO_RETRY_NOT_RETRIABLE",
    "connect-failure refused-stream reset gateway-error, NONE, 404, NO_RETRY_NOT_RETRIABLE",
    "connect-failure refused-stream reset gateway-error, NONE, 500, NO_RETRY_NOT_RETRIABLE",
    "connect-failure refused-stream reset gateway-error, NONE, 503, RETRY_STATUS",
    "connect-failure refused-stream reset gateway-error, OTHER, 0,  NO_RETRY_NOT_RETRIABLE",
  })
  void theRetryOnTableFollowsEnvoy(String retryOn, Failure failure, int status, RetryDecision expected) {
    RetryPolicy p = policy(retryOn, List.of(409, 429), 3, true);
    assertThat(p.decide(1, "GET", false, true, status, failure, NONE)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "[{index}] retry_on [{0}], grpc-status {1} -> {2}")
  @CsvSource({
    "cancelled,          1,  RETRY_GRPC_STATUS",
    "deadline-exceeded,  4,  RETRY_GRPC_STATUS",
    "resource-exhausted, 8,  RETRY_GRPC_STATUS",
    "internal,           13, RETRY_GRPC_STATUS",
    "unavailable,        14, RETRY_GRPC_STATUS",
    "unavailable,        13, NO_RETRY_NOT_RETRIABLE",
    "unavailable,        0,  NO_RETRY_NOT_RETRIABLE",
    "unavailable,        -1, NO_RETRY_NOT_RETRIABLE",
    "cancelled deadline-exceeded resource-exhausted internal, 14, NO_RETRY_NOT_RETRIABLE",
    "5xx,                14, NO_RETRY_NOT_RETRIABLE",
  })
  void grpcStatusesOfTrailersOnlyResponsesAreRetriedByName(String retryOn, int grpc, RetryDecision expected) {
    RetryPolicy p = policy(retryOn, List.of(), 3, false);
    assertThat(p.decide(1, "POST", false, true, 200, Failure.NONE, grpc)).isEqualTo(expected);
  }

  @Test
  void aGrpcStatusIsRetriedOnlyWhenAResponseArrived() {
    RetryPolicy p = policy("unavailable", List.of(), 3, false);
    assertThat(p.decide(1, "POST", false, true, 0, Failure.RESET, 14)).isEqualTo(NO_RETRY_NOT_RETRIABLE);
  }

  @Test
  void retriableStatusCodesNeedTheirRetryOnEntry() {
    RetryPolicy p = policy("5xx", List.of(409), 3, true);
    assertThat(p.decide(1, "GET", false, true, 409, Failure.NONE, NONE)).isEqualTo(NO_RETRY_NOT_RETRIABLE);
  }

  @Test
  void attemptsCapTotalTriesTheFirstIncluded() {
    RetryPolicy p = policy("5xx", List.of(), 3, true);
    assertThat(p.maxAttempts()).isEqualTo(3);
    assertThat(p.decide(1, "GET", false, true, 503, Failure.NONE, NONE)).isEqualTo(RETRY_STATUS);
    assertThat(p.decide(2, "GET", false, true, 503, Failure.NONE, NONE)).isEqualTo(RETRY_STATUS);
    assertThat(p.decide(3, "GET", false, true, 503, Failure.NONE, NONE)).isEqualTo(NO_RETRY_ATTEMPTS_EXHAUSTED);
    assertThat(p.decide(4, "GET", false, true, 503, Failure.NONE, NONE)).isEqualTo(NO_RETRY_ATTEMPTS_EXHAUSTED);
  }

  @Test
  void oneAttemptMeansNoRetries() {
    RetryPolicy p = policy("5xx", List.of(), 1, true);
    assertThat(p.decide(1, "GET", false, true, 0, Failure.CONNECT_FAILURE, NONE)).isEqualTo(NO_RETRY_ATTEMPTS_EXHAUSTED);
  }

  @Test
  void anOutcomeThatIsNotRetriableSaysSoEvenWhenAttemptsAreExhausted() {
    RetryPolicy p = policy("5xx", List.of(), 1, true);
    assertThat(p.decide(1, "GET", false, true, 200, Failure.NONE, NONE)).isEqualTo(NO_RETRY_NOT_RETRIABLE);
    assertThat(p.decide(1, "GET", false, true, 0, Failure.CANCELLED, NONE)).isEqualTo(NO_RETRY_CANCELLED);
  }

  /** idempotent_only: true, retry_on 5xx, attempt 1 of 3, replayable body, no Idempotency-Key. */
  @ParameterizedTest(name = "[{index}] {0} after {1}/{2} -> {3}")
  @CsvSource({
    "GET,     NONE,            503, RETRY_STATUS",
    "HEAD,    RESET,           0,   RETRY_RESET",
    "OPTIONS, TIMEOUT,         0,   RETRY_PER_TRY_TIMEOUT",
    "PUT,     NONE,            503, RETRY_STATUS",
    "DELETE,  RESET,           0,   RETRY_RESET",
    "TRACE,   NONE,            500, RETRY_STATUS",
    "POST,    CONNECT_FAILURE, 0,   RETRY_CONNECT_FAILURE",
    "POST,    REFUSED_STREAM,  0,   RETRY_REFUSED_STREAM",
    "POST,    RESET,           0,   NO_RETRY_NOT_IDEMPOTENT",
    "POST,    TIMEOUT,         0,   NO_RETRY_NOT_IDEMPOTENT",
    "POST,    NONE,            503, NO_RETRY_NOT_IDEMPOTENT",
    "PATCH,   CONNECT_FAILURE, 0,   RETRY_CONNECT_FAILURE",
    "PATCH,   NONE,            502, NO_RETRY_NOT_IDEMPOTENT",
    "CONNECT, NONE,            502, NO_RETRY_NOT_IDEMPOTENT",
    "PROPFIND, RESET,          0,   NO_RETRY_NOT_IDEMPOTENT",
  })
  void nonIdempotentMethodsAreRetriedOnlyWhenTheRequestNeverLeft(
      String method, Failure failure, int status, RetryDecision expected) {
    RetryPolicy p = policy("5xx", List.of(), 3, true);
    assertThat(p.decide(1, method, false, true, status, failure, NONE)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"POST", "PATCH"})
  void anIdempotencyKeyMakesPostAndPatchRetriable(String method) {
    RetryPolicy p = policy("5xx", List.of(), 3, true);
    assertThat(p.decide(1, method, true, true, 503, Failure.NONE, NONE)).isEqualTo(RETRY_STATUS);
    assertThat(p.decide(1, method, true, true, 0, Failure.RESET, NONE)).isEqualTo(RETRY_RESET);
  }

  @Test
  void withIdempotentOnlyOffPostIsRetriedLikeGet() {
    RetryPolicy p = policy("5xx", List.of(), 3, false);
    assertThat(p.decide(1, "POST", false, true, 503, Failure.NONE, NONE)).isEqualTo(RETRY_STATUS);
    assertThat(p.decide(1, "PATCH", false, true, 0, Failure.TIMEOUT, NONE)).isEqualTo(RETRY_PER_TRY_TIMEOUT);
  }

  @Test
  void grpcCallsUnderIdempotentOnlyNeedAnIdempotencyKey() {
    RetryPolicy p = policy("unavailable", List.of(), 3, true);
    assertThat(p.decide(1, "POST", false, true, 200, Failure.NONE, 14)).isEqualTo(NO_RETRY_NOT_IDEMPOTENT);
    assertThat(p.decide(1, "POST", true, true, 200, Failure.NONE, 14)).isEqualTo(RETRY_GRPC_STATUS);
  }

  @ParameterizedTest(name = "[{index}] {0} key={1} idempotent_only={2} after {3} -> {4}")
  @CsvSource({
    "GET,  false, true,  CONNECT_FAILURE, RETRY_CONNECT_FAILURE",
    "GET,  false, true,  REFUSED_STREAM,  RETRY_REFUSED_STREAM",
    "GET,  false, true,  RESET,           NO_RETRY_BODY_NOT_REPLAYABLE",
    "GET,  false, true,  TIMEOUT,         NO_RETRY_BODY_NOT_REPLAYABLE",
    "PUT,  true,  true,  RESET,           NO_RETRY_BODY_NOT_REPLAYABLE",
    "POST, true,  true,  RESET,           NO_RETRY_BODY_NOT_REPLAYABLE",
    "POST, false, false, RESET,           NO_RETRY_BODY_NOT_REPLAYABLE",
    "POST, false, false, CONNECT_FAILURE, RETRY_CONNECT_FAILURE",
    "POST, true,  true,  CONNECT_FAILURE, RETRY_CONNECT_FAILURE",
  })
  void anUnreplayableBodyIsRetriedOnlyWhenTheRequestNeverLeftWhateverTheHeaders(
      String method, boolean key, boolean idempotentOnly, Failure failure, RetryDecision expected) {
    RetryPolicy p = policy("5xx", List.of(), 3, idempotentOnly);
    assertThat(p.decide(1, method, key, false, 0, failure, NONE)).isEqualTo(expected);
  }

  @Test
  void anUnreplayableBodyAfterAnErrorStatusIsNotRetried() {
    RetryPolicy p = policy("5xx", List.of(), 3, false);
    assertThat(p.decide(1, "PUT", false, false, 503, Failure.NONE, NONE)).isEqualTo(NO_RETRY_BODY_NOT_REPLAYABLE);
  }

  @Test
  void aCancelledCallIsNeverRetried() {
    Set<RetryOn> everything = EnumSet.allOf(RetryOn.class);
    RetryPolicy p =
        RetryPolicy.of(new RetryConfig(5, everything, List.of(), null, null, null, false));
    assertThat(p.decide(1, "GET", true, true, 0, Failure.CANCELLED, 1)).isEqualTo(NO_RETRY_CANCELLED);
  }

  @Test
  void theDefaultPolicyRetriesGatewayErrorsAndTransportFailuresOnce() {
    RetryPolicy p = RetryPolicy.of(RetryConfig.DEFAULT);
    assertThat(p.decide(1, "GET", false, true, 503, Failure.NONE, NONE)).isEqualTo(RETRY_STATUS);
    assertThat(p.decide(1, "GET", false, true, 500, Failure.NONE, NONE)).isEqualTo(NO_RETRY_NOT_RETRIABLE);
    assertThat(p.decide(1, "GET", false, true, 0, Failure.RESET, NONE)).isEqualTo(RETRY_RESET);
    assertThat(p.decide(2, "GET", false, true, 0, Failure.RESET, NONE)).isEqualTo(NO_RETRY_ATTEMPTS_EXHAUSTED);
    assertThat(p.decide(1, "POST", false, true, 503, Failure.NONE, NONE)).isEqualTo(NO_RETRY_NOT_IDEMPOTENT);
    assertThat(p.decide(1, "POST", false, false, 0, Failure.CONNECT_FAILURE, NONE)).isEqualTo(RETRY_CONNECT_FAILURE);
  }

  @Test
  void theBudgetIsAskedOnlyForARetryEveryOtherRuleAllows() {
    FakeTime time = new FakeTime();
    RetryBudget budget = RetryBudget.create(new RetryConfig.Budget(0, 1), time);
    RetryPolicy p = policy("5xx", List.of(), 3, true);

    assertThat(p.decide(1, "GET", false, true, 200, Failure.NONE, NONE, budget)).isEqualTo(NO_RETRY_NOT_RETRIABLE);
    assertThat(p.decide(3, "GET", false, true, 503, Failure.NONE, NONE, budget)).isEqualTo(NO_RETRY_ATTEMPTS_EXHAUSTED);
    assertThat(p.decide(1, "POST", false, true, 503, Failure.NONE, NONE, budget)).isEqualTo(NO_RETRY_NOT_IDEMPOTENT);
    assertThat(budget.available()).isEqualTo(1);

    assertThat(p.decide(1, "GET", false, true, 503, Failure.NONE, NONE, budget)).isEqualTo(RETRY_STATUS);
    assertThat(p.decide(1, "GET", false, true, 503, Failure.NONE, NONE, budget)).isEqualTo(NO_RETRY_BUDGET_EXHAUSTED);
  }

  @Test
  void anUnlimitedBudgetNeverStopsARetry() {
    RetryPolicy p = policy("5xx", List.of(), 3, true);
    for (int i = 0; i < 1000; i++) {
      assertThat(p.decide(1, "GET", false, true, 503, Failure.NONE, NONE, RetryBudget.unlimited())).isEqualTo(RETRY_STATUS);
    }
  }

  @Test
  void invalidArgumentsAreRejected() {
    RetryPolicy p = policy("5xx", List.of(), 3, true);
    assertThatThrownBy(() -> p.decide(0, "GET", false, true, 503, Failure.NONE, NONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("attempt: 0 (expected: >= 1)");
    assertThatThrownBy(() -> p.decide(1, null, false, true, 503, Failure.NONE, NONE))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> policy("5xx", List.of(), 0, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("attempts: 0 (expected: >= 1)");
  }

  @ParameterizedTest
  @CsvSource({"GET,true", "HEAD,true", "OPTIONS,true", "PUT,true", "DELETE,true", "TRACE,true",
      "POST,false", "PATCH,false", "CONNECT,false", "get,false", "'',false"})
  void idempotentMethodsAreThoseOfRfc9110(String method, boolean idempotent) {
    assertThat(RetryPolicy.isIdempotent(method)).isEqualTo(idempotent);
  }

  @ParameterizedTest
  @CsvSource(value = {"0,0", "1,1", "14,14", "16,16", "30,30", "31,-1", "99,-1", "100,-1", "-1,-1",
      "'',-1", "' 1',-1", "1a,-1", "NULL,-1"}, nullValues = "NULL")
  void grpcStatusHeaderValuesParseToACodeOrNone(String value, int expected) {
    assertThat(RetryPolicy.parseGrpcStatus(value)).isEqualTo(expected);
  }

  @Test
  void everyDecisionHasADistinctReason() {
    assertThat(Arrays.stream(RetryDecision.values()).map(RetryDecision::reason).distinct().count())
        .isEqualTo(RetryDecision.values().length);
    assertThat(RETRY_RESET.retry()).isTrue();
    assertThat(NO_RETRY_BUDGET_EXHAUSTED.retry()).isFalse();
  }
}
