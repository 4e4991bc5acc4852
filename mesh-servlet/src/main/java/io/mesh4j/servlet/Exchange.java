package io.mesh4j.servlet;

import io.mesh4j.context.MeshContext;
import io.mesh4j.internal.server.InboundExchange;
import io.mesh4j.internal.server.InboundPipeline;
import io.mesh4j.internal.server.Outcome;
import io.mesh4j.time.Ticker;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One inbound request as the servlet container runs it: the engine's {@link InboundExchange}
 * (route, context, outcome recorded once) plus what the container adds: the response the
 * pipeline's answers are written to ({@link InboundPipeline.Responder}), and the {@link
 * AsyncListener} that records the outcome when a request that went async completes.
 *
 * <p>Kept in a request attribute so that async and error dispatches of the same request find its
 * context again. Thread-safe: the container may call the listener on any thread.
 */
final class Exchange extends InboundExchange implements AsyncListener, InboundPipeline.Responder {
  private static final byte[] NO_BODY = new byte[0];

  private final HttpServletResponse response;
  private final AtomicBoolean listening = new AtomicBoolean();
  private volatile boolean failed;

  Exchange(MeshContext context, HttpServletResponse response, Ticker ticker, long startNanos) {
    super(context, ticker, startNanos);
    this.response = response;
  }

  @Override
  public void answer(int status, String text, Map<String, String> headers) throws IOException {
    write(response, status, text, headers);
  }

  /**
   * Writes a whole answer: {@code status}, {@code headers}, and {@code text} as UTF-8 ({@code
   * text/plain} unless the headers name a {@code content-type}).
   */
  static void write(HttpServletResponse res, int status, String text, Map<String, String> headers)
      throws IOException {
    res.setStatus(status);
    byte[] body = text.isEmpty() ? NO_BODY : text.getBytes(StandardCharsets.UTF_8);
    boolean typed = false;
    for (Map.Entry<String, String> h : headers.entrySet()) {
      if (h.getKey().equalsIgnoreCase("content-type")) {
        res.setContentType(h.getValue());
        typed = true;
      } else {
        res.setHeader(h.getKey(), h.getValue());
      }
    }
    if (body.length > 0 && !typed) res.setContentType("text/plain;charset=utf-8");
    res.setContentLength(body.length);
    if (body.length > 0) res.getOutputStream().write(body);
  }

  /** Whether this listener is registered with the request's async cycle. */
  boolean isListening() {
    return listening.get();
  }

  /** Registers this listener with {@code async} (once per async cycle). */
  void listenTo(AsyncContext async) {
    listening.set(true);
    async.addListener(this);
  }

  /**
   * After the first dispatch returned with the request in async mode but this listener not yet
   * registered (the application started async on the container's own request object, not the
   * filter's wrapper): registers it now, or records at once if the request completed meanwhile.
   */
  void listenLate(HttpServletRequest request) {
    try {
      if (request.isAsyncStarted()) {
        listenTo(request.getAsyncContext());
        return;
      }
    } catch (IllegalStateException e) {
      // Completed between the two calls.
    }
    record(Outcome.PASS, response.getStatus());
  }

  @Override
  public void onComplete(AsyncEvent event) {
    record(failed ? Outcome.ERROR : Outcome.PASS, response.getStatus());
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    failed = true;
  }

  @Override
  public void onError(AsyncEvent event) {
    failed = true;
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    // A new async cycle of the same request: the container has dropped its listeners.
    AsyncContext async = event.getAsyncContext();
    if (async != null) async.addListener(this);
  }
}
