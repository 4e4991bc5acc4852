package io.mesh4j.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.endpoint.Failure;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import okhttp3.internal.http2.ConnectionShutdownException;
import okhttp3.internal.http2.ErrorCode;
import okhttp3.internal.http2.StreamResetException;
import org.junit.jupiter.api.Test;

/**
 * {@link Failures} recognises OkHttp's HTTP/2 exceptions without importing them; this test (and
 * only it) uses the real types, so an OkHttp upgrade that changes them fails here.
 */
class FailuresTest {
  @Test
  void aRefusedStreamResetIsRefusedEvenAfterTheRequestStarted() {
    assertThat(Failures.classify(new StreamResetException(ErrorCode.REFUSED_STREAM), true))
        .isEqualTo(Failure.REFUSED_STREAM);
  }

  @Test
  void aConnectionShuttingDownRefusedTheStream() {
    assertThat(Failures.classify(new ConnectionShutdownException(), true))
        .isEqualTo(Failure.REFUSED_STREAM);
  }

  @Test
  void otherResetsAfterTheRequestStartedMayHaveBeenSeen() {
    assertThat(Failures.classify(new StreamResetException(ErrorCode.CANCEL), true))
        .isEqualTo(Failure.RESET);
    assertThat(Failures.classify(new IOException("unexpected end of stream"), true))
        .isEqualTo(Failure.RESET);
  }

  @Test
  void beforeTheRequestStartedAFailureIsAConnectFailure() {
    assertThat(Failures.classify(new SocketTimeoutException("connect timed out"), false))
        .isEqualTo(Failure.CONNECT_FAILURE);
    assertThat(Failures.classify(new SocketTimeoutException("timeout"), true))
        .isEqualTo(Failure.TIMEOUT);
  }

  @Test
  void onlyOkHttpsCallTimeoutIsTheOverallDeadline() {
    assertThat(Failures.isCallTimeout(new InterruptedIOException("timeout"))).isTrue();
    assertThat(Failures.isCallTimeout(new SocketTimeoutException("timeout"))).isFalse();
    assertThat(Failures.isCallTimeout(new InterruptedIOException("interrupted"))).isFalse();
  }
}
