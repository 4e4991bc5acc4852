package io.mesh4j.observe;

import io.mesh4j.endpoint.Failure;
import java.util.function.BiConsumer;

/**
 * The span of one attempt of an outbound call: one per try, hedge and mirror copy, a child of its
 * {@link CallSpan}. Its trace context is what the attempt carries downstream ({@link #inject}).
 *
 * <p>Every method does nothing here; {@link #NOOP} is this class. Thread-safe, fast, never throws;
 * {@link #end} exactly once (later calls ignored).
 */
public abstract class AttemptSpan {
  /** A span that records nothing and injects nothing. */
  public static final AttemptSpan NOOP = new AttemptSpan() {};

  protected AttemptSpan() {}

  /**
   * Calls {@code header} with each header that carries this attempt's trace context downstream
   * (for W3C: {@code traceparent}, {@code tracestate}, {@code baggage}); the transport sets them on
   * the attempt's request, replacing values of the same names.
   */
  public void inject(BiConsumer<String, String> header) {}

  /** Makes this span current on this thread while the transport sends the attempt. */
  public TraceScope activate() {
    return TraceScope.NOOP;
  }

  /**
   * Ends the span: {@code status} when response headers arrived (else 0), the {@link Failure} the
   * attempt's outcome was reported with ({@link Failure#NONE} for a response; {@link
   * Failure#CANCELLED} for a hedge that lost), and whether the request may have left.
   */
  public void end(int status, Failure failure, boolean requestSent) {}
}
