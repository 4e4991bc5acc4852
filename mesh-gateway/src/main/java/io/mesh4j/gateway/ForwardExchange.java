package io.mesh4j.gateway;

import io.mesh4j.config.InboundConfig.UnderscoreAction;
import io.mesh4j.internal.client.AttemptLoop;
import io.mesh4j.okhttp.MeshException;
import io.mesh4j.servlet.Forwarding;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every forwarded request shares, whichever transport sends it: finishing exactly once
 * ({@link Forwarding#done} or {@link Forwarding#failed}, then {@link AsyncContext#complete()} in
 * async mode), the gateway's own answers (400 before forwarding, 502/503/504 when no upstream
 * response came, see {@link Errors#status}), cancelling the upstream work when the container gives
 * up on the request ({@link AsyncListener}), cutting the client's connection when a committed
 * response breaks, and copying the upstream's header and trailer fields to the servlet response.
 *
 * <p>The transports ({@link ForwardCall} for OkHttp, {@link JettyForward} for Jetty's client)
 * extend it and add only how they send and how they read the upstream response. Touched by the
 * container thread that starts the request, the transport's threads and the container's async
 * listener; what they share is the atomic {@code finished} flag and volatile fields.
 */
abstract class ForwardExchange implements AsyncListener {
  private static final Logger log = LoggerFactory.getLogger(ForwardExchange.class);

  final Forwarding forwarding;
  final HttpServletRequest req;
  final HttpServletResponse res;
  final UnderscoreAction underscores;
  final GatewayMeters meters;
  private final AtomicBoolean finished = new AtomicBoolean();
  private volatile AsyncContext async;
  /** The client went away (or the container gave up): nothing more is written to it. */
  volatile boolean clientGone;
  /** The upstream's trailer fields, once its body was read; what the container sends as trailers. */
  volatile Map<String, String> trailers = Map.of();

  ForwardExchange(Forwarding forwarding, UnderscoreAction underscores, GatewayMeters meters) {
    this.forwarding = forwarding;
    this.req = forwarding.request();
    this.res = forwarding.response();
    this.underscores = underscores;
    this.meters = meters;
  }

  /** Stops the upstream work in flight (the container gave up on the request). Must not throw. */
  abstract void cancelUpstream();

  // ------------------------------------------------------------------ before forwarding

  /**
   * Answers 400 when {@code inbound.headers_with_underscores_action} is {@code reject_request}
   * and a header name holds an underscore. Returns whether it answered (the request is done).
   */
  final boolean rejectedUnderscores() throws IOException {
    if (underscores != UnderscoreAction.REJECT_REQUEST) return false;
    String name = ForwardHeaders.underscoreHeader(req);
    if (name == null) return false;
    meters.rejectedUnderscore.increment();
    Errors.write(res, forwarding, 400, "bad-request", "header name with an underscore: " + name
        + " (inbound.headers_with_underscores_action: reject_request)");
    done(400);
    return true;
  }

  /** Answers 400: the transport cannot express the request (a method or header it refuses). */
  final void rejectBadRequest(IllegalArgumentException e) throws IOException {
    meters.rejectedBadRequest.increment();
    Errors.write(res, forwarding, 400, "bad-request",
        "the request cannot be forwarded: " + e.getMessage());
    done(400);
  }

  /** Puts the request in async mode, with this exchange as its listener. */
  final void startAsync() {
    AsyncContext a = forwarding.startAsync();
    async = a;
    a.addListener(this);
  }

  /** The methods sent with an empty body ({@code Content-Length: 0}) when the client sent none. */
  static boolean requiresBody(String method) {
    return method.equals("POST") || method.equals("PUT") || method.equals("PATCH")
        || method.equals("PROPPATCH") || method.equals("REPORT");
  }

  // ------------------------------------------------------------------ finishing, once

  /** Reports the response of {@code status} as passed on, unless the request already finished. */
  final void done(int status) {
    if (finished.compareAndSet(false, true)) forwarding.done(status);
  }

  /** Reports the request as failed with {@code status} (0: none), unless already finished. */
  final void failed(int status) {
    if (finished.compareAndSet(false, true)) forwarding.failed(status);
  }

  /**
   * No response from upstream: answers 400 when {@code clientBodyError} says the client's own body
   * broke, else 502, 503 or 504 ({@link Errors#status}). Nothing when the client is gone or the
   * request already finished.
   */
  final void failedWithoutResponse(Throwable e, IOException clientBodyError) throws IOException {
    if (clientGone || !finished.compareAndSet(false, true)) return;
    if (clientBodyError != null) {
      forwarding.failed(400);
      if (!res.isCommitted()) {
        Errors.write(res, forwarding, 400, "bad-request", "the request body could not be read");
      }
      return;
    }
    int code;
    String reason;
    if (e instanceof MeshException me) {
      code = Errors.status(me);
      reason = me.reason().tag();
    } else {
      code = 502;
      reason = MeshException.Reason.UPSTREAM_FAILURE.tag();
      log.debug("mesh4j: forwarding failed outside the mesh call", e);
    }
    forwarding.done(code);
    if (!res.isCommitted()) Errors.write(res, forwarding, code, reason, Errors.message(code));
  }

  /** Writing to the client failed: it went away. Finishes as failed. */
  final void clientGone(Throwable e) {
    clientGone = true;
    failed(res.isCommitted() ? res.getStatus() : 0);
    log.debug("mesh4j: writing a forwarded response failed", e);
  }

  /**
   * The response was committed and its upstream body then broke: the client must see a broken
   * response, not a short one, so its connection is cut (async mode); else the cycle completes.
   */
  final void abortClient(IOException cause) {
    AsyncContext a = async;
    if (a != null) {
      try {
        forwarding.abort(a, cause);
        return;
      } catch (IllegalStateException alreadyDone) {
        // The container ended the cycle meanwhile.
      }
    }
    completeAsync();
  }

  /** Ends the async cycle (async mode only); a no-op when the container already ended it. */
  final void completeAsync() {
    AsyncContext a = async;
    if (a == null) return;
    try {
      a.complete();
    } catch (IllegalStateException alreadyDone) {
      // The container completed it (the client went away, or its own error handling).
    }
  }

  // ------------------------------------------------------------------ AsyncListener

  @Override
  public void onComplete(AsyncEvent event) {
    // Our own completeAsync(), or the container ending the cycle: nothing left to do.
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    cancel();
  }

  @Override
  public void onError(AsyncEvent event) {
    cancel();
  }

  @Override
  public void onStartAsync(AsyncEvent event) {}

  /** The client went away (or the container gave up): stop the upstream work. */
  private void cancel() {
    clientGone = true;
    cancelUpstream();
    failed(0);
  }

  // ------------------------------------------------------------------ response fields

  /**
   * Asks the container to end the response with the upstream's {@link #trailers} (read once the
   * upstream body is done): only a chunked HTTP/1.1 or an HTTP/2 response can carry them, so the
   * container refuses for an HTTP/1.0 client (then they are dropped, as the protocol requires).
   * Returns whether it accepted.
   */
  final boolean acceptTrailers() {
    try {
      res.setTrailerFields(() -> trailers);
      return true;
    } catch (IllegalStateException cannotCarryThem) {
      return false;
    }
  }

  /** Adds a trailer field to {@code out} as the Servlet API takes them: lower-case, values joined. */
  static void addTrailer(Map<String, String> out, String name, String value) {
    out.merge(name.toLowerCase(Locale.ROOT), value, (a, b) -> a + ", " + b);
  }

  /** A new map for {@link #addTrailer}, in arrival order. */
  static Map<String, String> newTrailers() {
    return new LinkedHashMap<>();
  }

  /** Starts copying one upstream response's header fields ({@code Connection} values given). */
  final HeadCopy headCopy(List<String> connection) {
    return new HeadCopy(res, HopByHop.connectionOptions(connection));
  }

  /**
   * Copies an upstream response's header fields to the servlet response, one at a time: hop-by-hop
   * fields (and those {@code Connection} names) and {@code x-mesh-draining} dropped, {@code
   * Content-Length} set as the length, and the first value of a name replacing what the container
   * or the filter preset ({@code Date}, {@code x-request-id}), later ones added.
   */
  static final class HeadCopy {
    private final HttpServletResponse res;
    private final List<String> options;
    private final Set<String> seen = new HashSet<>();
    private boolean lengthKnown;

    HeadCopy(HttpServletResponse res, List<String> options) {
      this.res = res;
      this.options = options;
    }

    /**
     * Copies one field.
     *
     * @throws NumberFormatException for a malformed {@code Content-Length}
     */
    void add(String name, String value) {
      add(name, name, value);
    }

    /** Copies one field, decided on by {@code name}, under the name {@code as}. */
    void add(String name, String as, String value) {
      if (HopByHop.drop(name, options) || name.equalsIgnoreCase(AttemptLoop.DRAINING_HEADER)) {
        return;
      }
      if (name.equalsIgnoreCase("Content-Length")) {
        res.setContentLengthLong(Long.parseLong(value.trim()));
        lengthKnown = true;
        return;
      }
      if (seen.add(as.toLowerCase(Locale.ROOT))) {
        res.setHeader(as, value);
      } else {
        res.addHeader(as, value);
      }
    }

    /** Whether a {@code Content-Length} was copied (else the body is chunked and may end with trailers). */
    boolean lengthKnown() {
      return lengthKnown;
    }
  }
}
