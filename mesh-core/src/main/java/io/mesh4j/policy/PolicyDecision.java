package io.mesh4j.policy;

import io.mesh4j.internal.policy.PolicyRun;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link RequestPolicy#onRequest} decided: let the request go on ({@link #CONTINUE}), or
 * answer it with a synthetic response ({@link #respond}) that the adapter sends instead: the
 * client side hands the caller an OkHttp response, the servlet filter writes it. Immutable.
 */
public final class PolicyDecision {
  /** Let the request go on. */
  public static final PolicyDecision CONTINUE = new PolicyDecision(0, "", Map.of());

  private final int status;
  private final String body;
  private final Map<String, String> headers;

  private PolicyDecision(int status, String body, Map<String, String> headers) {
    this.status = status;
    this.body = body;
    this.headers = headers;
  }

  /**
   * Answer the request with {@code status}, {@code body} (UTF-8; {@code text/plain} unless {@code
   * headers} has a {@code content-type}) and {@code headers}.
   *
   * @throws IllegalArgumentException if {@code status} is not 200-599, or a header name or value
   *     is empty or holds CR, LF or NUL
   * @throws NullPointerException if an argument is null
   */
  public static PolicyDecision respond(int status, String body, Map<String, String> headers) {
    if (status < 200 || status > 599) {
      throw new IllegalArgumentException("status: " + status + " (expected: 200-599)");
    }
    Objects.requireNonNull(body, "body");
    Map<String, String> copy = new LinkedHashMap<>();
    for (Map.Entry<String, String> h : headers.entrySet()) {
      PolicyRun.checkHeader(h.getKey(), h.getValue());
      copy.put(h.getKey(), h.getValue());
    }
    return new PolicyDecision(status, body, Map.copyOf(copy));
  }

  /** Answer with {@code status} and {@code body}, no extra headers. */
  public static PolicyDecision respond(int status, String body) {
    return respond(status, body, Map.of());
  }

  /** Whether the request goes on. */
  public boolean isContinue() {
    return this == CONTINUE;
  }

  /** The status to answer with; 0 for {@link #CONTINUE}. */
  public int status() {
    return status;
  }

  /** The body to answer with; empty for {@link #CONTINUE}. */
  public String body() {
    return body;
  }

  /** The headers to answer with; empty for {@link #CONTINUE}. */
  public Map<String, String> headers() {
    return headers;
  }

  @Override
  public String toString() {
    return isContinue() ? "CONTINUE" : "respond(" + status + ")";
  }
}
