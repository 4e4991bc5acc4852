package io.mesh4j.config;

import java.util.List;
import java.util.Locale;

/**
 * Headers carried from the request a service is handling onto the calls it makes ({@code
 * headers}), and the headers that carry the request's deadline ({@code deadline_headers}): read on
 * the way in, the first present and valid one sets the deadline; written on every call made while
 * handling it with the time left ({@code grpc-timeout} in gRPC's format, any other header as whole
 * milliseconds). Immutable; names lower-cased.
 */
public record PropagateConfig(List<String> headers, List<String> deadlineHeaders) {
  public static final PropagateConfig NONE = new PropagateConfig(List.of(), List.of());

  /** The gRPC deadline header, read and written in gRPC's {@code TimeoutValue TimeoutUnit} format. */
  public static final String GRPC_TIMEOUT = "grpc-timeout";

  public PropagateConfig {
    headers = lower(headers);
    deadlineHeaders = lower(deadlineHeaders);
  }

  private static List<String> lower(List<String> names) {
    return names.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList();
  }

}
