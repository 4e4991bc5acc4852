package io.mesh4j.gateway;

import io.mesh4j.okhttp.MeshException.Reason;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.Trailers;
import org.eclipse.jetty.io.Content;

/**
 * Copies one upstream response from Jetty's client to the servlet response: status, header fields
 * ({@link ForwardExchange.HeadCopy}), the body chunk by chunk without copying it through an {@code
 * InputStream}, and the upstream's trailers as the response's trailers when its length was unknown.
 *
 * <p><b>Async mode</b> ({@link #startAsync}): this is the output's {@link WriteListener}. A chunk
 * is read from the upstream's content source only when the output is ready, and the source is
 * asked for more ({@code demand}) only when it had none, so a slow client slows the upstream read
 * (TCP backpressure) and one chunk at a time is held; no thread waits. <b>Blocking mode</b> ({@link
 * #copyBlocking}): the container thread reads and writes, parking while the upstream has nothing.
 *
 * <p>Guarantees: the exchange finishes exactly once — {@code done(status)} once the last chunk is
 * written, {@code failed(status)} and a cut connection when the upstream body breaks after the
 * response was committed, a 502 of the gateway's own when it breaks before (blocking mode), and
 * {@code clientGone} (the upstream request aborted) when writing to the client fails. Every chunk
 * read is released. One instance per response; not shared.
 */
final class JettyResponseCopy implements WriteListener {
  private final JettyForward exchange;
  private final JettyAttempts.Upstream upstream;
  private final HttpServletResponse res;
  private int status;
  private Content.Source source;
  private boolean lastWritten;
  /** The pump, resumed when the upstream has more (one object for every demand). */
  private final Runnable resume = this::onWritePossible;
  private byte[] scratch;

  JettyResponseCopy(JettyForward exchange, JettyAttempts.Upstream upstream) {
    this.exchange = exchange;
    this.upstream = upstream;
    this.res = exchange.res;
  }

  /**
   * Sets the status and headers of the upstream response on the servlet response (hop-by-hop and
   * {@code x-mesh-draining} removed; the first value of a name replaces what the container preset)
   * and asks for trailers when the body has no length. Returns whether a body follows.
   */
  boolean headers(String method) {
    status = upstream.response().getStatus();
    res.setStatus(status);
    HttpFields h = upstream.response().getHeaders();
    ForwardExchange.HeadCopy head = exchange.headCopy(h.getValuesList("Connection"));
    for (HttpField f : h) head.add(f.getName(), f.getValue());
    if ("HEAD".equals(method) || status == 204 || status == 304) {
      // No body: take the end of the (empty) content so the connection goes back to its pool;
      // abort (close it) only if the upstream sent something after all.
      Content.Source s = upstream.source();
      if (s != null) {
        Content.Chunk c = s.read();
        boolean clean = c != null && c.isLast() && !Content.Chunk.isFailure(c) && !c.hasRemaining();
        if (c != null) c.release();
        if (!clean) upstream.request().abort(new JettyAttempts.AttemptCancelled());
      }
      return false;
    }
    if (!head.lengthKnown()) exchange.acceptTrailers();
    return true;
  }

  // ------------------------------------------------------------------ async mode

  /** Async mode, after {@link #headers} said a body follows: starts pumping it. */
  void startAsync() throws IOException {
    source = upstream.source();
    if (source == null) {
      finishOk();
      return;
    }
    res.getOutputStream().setWriteListener(this);
  }

  @Override
  public void onWritePossible() {
    try {
      pump();
    } catch (IOException | RuntimeException e) {
      onError(e);
    }
  }

  /** Copies chunks while the client can take them; demands more when the upstream has none. */
  private void pump() throws IOException {
    ServletOutputStream out = res.getOutputStream();
    if (lastWritten) {
      finishOk();
      return;
    }
    while (out.isReady()) {
      Content.Chunk c = source.read();
      if (c == null) {
        source.demand(resume);
        return;
      }
      if (Content.Chunk.isFailure(c)) {
        upstreamBroke(c.getFailure());
        return;
      }
      boolean last = c.isLast();
      try {
        if (c instanceof Trailers t) exchange.trailers = fields(t.getTrailers());
        write(out, c.getByteBuffer());
      } finally {
        c.release();
      }
      if (last) {
        lastWritten = true;
        if (out.isReady()) finishOk();
        return;
      }
    }
  }

  /** The output failed: the client went away. */
  @Override
  public void onError(Throwable t) {
    upstream.request().abort(t);
    exchange.clientGone(t);
    exchange.completeAsync();
  }

  /** The whole response was written (or there was none to write). */
  void finishOk() {
    keepTrailers();
    exchange.done(status);
    exchange.completeAsync();
  }

  /** Committed, then the upstream body broke: the client must see a broken response. */
  private void upstreamBroke(Throwable cause) {
    exchange.failed(status);
    exchange.abortClient(UpstreamException.of(cause));
  }

  // ------------------------------------------------------------------ blocking mode

  /** Blocking mode: the whole response copied on the calling (container) thread. */
  void copyBlocking(String method) throws IOException {
    boolean body;
    try {
      body = headers(method) && upstream.source() != null;
    } catch (RuntimeException e) {
      upstream.request().abort(e);
      throw e;
    }
    if (!body) {
      res.flushBuffer();
      exchange.done(status);
      return;
    }
    Content.Source s = upstream.source();
    ServletOutputStream out = res.getOutputStream();
    Semaphore more = new Semaphore(0);
    while (true) {
      Content.Chunk c = s.read();
      if (c == null) {
        s.demand(more::release);
        more.acquireUninterruptibly();
        continue;
      }
      if (Content.Chunk.isFailure(c)) {
        if (!res.isCommitted()) {
          // Nothing went out yet: answer 502 as for a failure without response.
          res.reset();
          exchange.done(502);
          Errors.write(res, exchange.forwarding, 502, Reason.UPSTREAM_FAILURE.tag(),
              Errors.message(502));
          return;
        }
        exchange.failed(status);
        // Part of the body went out: the exception makes the container cut the connection.
        throw UpstreamException.of(c.getFailure());
      }
      boolean last = c.isLast();
      try {
        if (c instanceof Trailers t) exchange.trailers = fields(t.getTrailers());
        write(out, c.getByteBuffer());
      } catch (IOException e) {
        upstream.request().abort(e);
        exchange.clientGone(e);
        throw e;
      } finally {
        c.release();
      }
      if (last) break;
    }
    keepTrailers();
    res.flushBuffer();
    exchange.done(status);
  }

  // ------------------------------------------------------------------ shared

  private void write(OutputStream out, ByteBuffer b) throws IOException {
    int n = b.remaining();
    if (n == 0) return;
    if (b.hasArray()) {
      out.write(b.array(), b.arrayOffset() + b.position(), n);
      return;
    }
    if (scratch == null) scratch = new byte[ServletRequestBody.BUFFER];
    while (b.hasRemaining()) {
      int k = Math.min(scratch.length, b.remaining());
      b.get(scratch, 0, k);
      out.write(scratch, 0, k);
    }
  }

  /** The trailers the response ended with, when no trailer chunk carried them. */
  private void keepTrailers() {
    if (exchange.trailers.isEmpty() && upstream.response().getTrailers() != null) {
      exchange.trailers = fields(upstream.response().getTrailers());
    }
  }

  private static Map<String, String> fields(HttpFields t) {
    if (t == null || t.size() == 0) return Map.of();
    Map<String, String> out = ForwardExchange.newTrailers();
    for (HttpField f : t) ForwardExchange.addTrailer(out, f.getName(), f.getValue());
    return out;
  }
}
