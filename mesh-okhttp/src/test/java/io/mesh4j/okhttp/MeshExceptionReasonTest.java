package io.mesh4j.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.internal.client.AttemptEnd;
import io.mesh4j.okhttp.MeshException.Reason;
import org.junit.jupiter.api.Test;

/** Both transports report the engine's end of an attempt loop as the {@link Reason} of its name. */
class MeshExceptionReasonTest {
  @Test
  void everyAttemptEndIsAReasonOfTheSameName() {
    for (AttemptEnd end : AttemptEnd.values()) {
      assertThat(Reason.valueOf(end.name()).name()).isEqualTo(end.name());
    }
  }
}
