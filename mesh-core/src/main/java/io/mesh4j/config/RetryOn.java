package io.mesh4j.config;

/**
 * A condition under which a failed attempt is retried ({@code retry_on}), named as in Envoy's
 * {@code x-envoy-retry-on} and {@code x-envoy-retry-grpc-on}.
 */
public enum RetryOn {
  /** The connection could not be established (the request certainly never left). */
  CONNECT_FAILURE("connect-failure"),
  /** An HTTP/2 stream was refused (REFUSED_STREAM: the server did not process it). */
  REFUSED_STREAM("refused-stream"),
  /** The connection was reset or closed before a complete response arrived, or it timed out. */
  RESET("reset"),
  /** 502, 503 or 504. */
  GATEWAY_ERROR("gateway-error"),
  /** Any 5xx, and everything {@code gateway-error}, {@code connect-failure} and {@code reset} cover. */
  FIVE_XX("5xx"),
  /** A status listed in {@code retriable_status_codes}. */
  RETRIABLE_STATUS_CODES("retriable-status-codes"),
  /** gRPC status CANCELLED (1). */
  GRPC_CANCELLED("cancelled"),
  /** gRPC status DEADLINE_EXCEEDED (4). */
  GRPC_DEADLINE_EXCEEDED("deadline-exceeded"),
  /** gRPC status INTERNAL (13). */
  GRPC_INTERNAL("internal"),
  /** gRPC status RESOURCE_EXHAUSTED (8). */
  GRPC_RESOURCE_EXHAUSTED("resource-exhausted"),
  /** gRPC status UNAVAILABLE (14). */
  GRPC_UNAVAILABLE("unavailable");

  private final String configName;

  RetryOn(String configName) {
    this.configName = configName;
  }

  /** The name used in the config file. */
  public String configName() {
    return configName;
  }

  /** The condition with that config name, or {@code null}. */
  public static RetryOn fromConfigName(String name) {
    for (RetryOn r : values()) {
      if (r.configName.equals(name)) return r;
    }
    return null;
  }
}
