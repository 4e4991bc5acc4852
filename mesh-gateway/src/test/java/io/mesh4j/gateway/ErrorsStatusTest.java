package io.mesh4j.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.endpoint.Failure;
import io.mesh4j.okhttp.MeshException;
import io.mesh4j.okhttp.MeshException.Reason;
import org.junit.jupiter.api.Test;

/** The status the gateway answers a failed forward with, per {@code MeshException} reason. */
class ErrorsStatusTest {
  private static int status(Reason reason, Failure failure) {
    return Errors.status(new MeshException(reason, "c", "r", false, failure, 0, null, null));
  }

  @Test
  void theRoutesTimeoutAndTheInheritedDeadlineAreBoth504() {
    assertThat(status(Reason.TIMEOUT, Failure.TIMEOUT)).isEqualTo(504);
    assertThat(status(Reason.DEADLINE_EXCEEDED, Failure.NONE)).isEqualTo(504);
    assertThat(status(Reason.DEADLINE_EXCEEDED, Failure.TIMEOUT)).isEqualTo(504);
  }

  @Test
  void noUsableEndpointIs503AndAResetIs502() {
    assertThat(status(Reason.CIRCUIT_OPEN, Failure.NONE)).isEqualTo(503);
    assertThat(status(Reason.UPSTREAM_FAILURE, Failure.CONNECT_FAILURE)).isEqualTo(503);
    assertThat(status(Reason.UPSTREAM_FAILURE, Failure.RESET)).isEqualTo(502);
  }
}
