package io.mesh4j.gateway;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.RetainableByteBuffer;

/**
 * The servlet request body as the Jetty client's request content, pulled without a thread of its
 * own: the client {@linkplain #read() reads} when it can write upstream, and when the servlet
 * input has nothing ready ({@link ServletInputStream#isReady()} false) it {@linkplain #demand
 * demands}, which the container's {@link ReadListener#onDataAvailable()} answers on its own thread.
 * So the upload is paced by the upstream (backpressure both ways) and one pooled 16 KB buffer per
 * chunk is the only copy.
 *
 * <p>The read listener is installed only on the client's first demand: with {@code Expect:
 * 100-continue} that is after the upstream's {@code 100}, so the container asks the client for its
 * body (sends its own {@code 100 Continue}) only then. Needs async mode ({@code startAsync} done).
 *
 * <p>One-shot ({@link #rewind()} is false). Threads: {@link #read} and {@link #demand} by the
 * client (serialized by it), the listener callbacks by the container; the shared state is atomic.
 */
final class ServletContentSource implements Request.Content, ReadListener {
  private final HttpServletRequest req;
  /** Opened on the first demand: Jetty sends {@code 100 Continue} when the stream is opened. */
  private volatile ServletInputStream in;
  private final long length;
  private final ByteBufferPool pool;
  private final AtomicBoolean listening = new AtomicBoolean();
  private final AtomicReference<Runnable> demand = new AtomicReference<>();
  private volatile Throwable failure;
  /** The client's own body broke (read error): the gateway answers 400. */
  volatile IOException clientError;
  private volatile boolean eof;
  // `in` is written by the client's thread in its first demand and read by its later reads
  /** Whether any byte was read (the request body may have reached the upstream). */
  volatile boolean started;
  /**
   * The current attempt's final response began: the servlet input, if not yet opened, stays
   * closed ({@link JettyAttempts.AnsweredBeforeBody}).
   */
  volatile boolean upstreamAnswered;

  ServletContentSource(HttpServletRequest req, long length, ByteBufferPool pool) {
    this.req = req;
    this.length = length;
    this.pool = pool;
  }

  @Override
  public String getContentType() {
    return null; // the client's Content-Type header (if any) is forwarded as sent
  }

  @Override
  public long getLength() {
    return length;
  }

  @Override
  public boolean rewind() {
    return false;
  }

  @Override
  public Content.Chunk read() {
    Throwable f = failure;
    if (f != null) return Content.Chunk.from(f, true);
    if (eof) return Content.Chunk.EOF;
    if (!listening.get() && upstreamAnswered) {
      return Content.Chunk.from(new JettyAttempts.AnsweredBeforeBody(), true);
    }
    if (!listening.get() || in == null) return null;
    RetainableByteBuffer.Mutable buffer = null;
    try {
      if (in.isFinished()) {
        eof = true;
        return Content.Chunk.EOF;
      }
      if (!in.isReady()) return null; // onDataAvailable will follow
      buffer = pool.acquire(ServletRequestBody.BUFFER, false);
      ByteBuffer b = buffer.getByteBuffer();
      int n = in.read(b.array(), b.arrayOffset(), b.capacity());
      if (n < 0) {
        buffer.release();
        eof = true;
        return Content.Chunk.EOF;
      }
      started = true;
      b.position(0).limit(n);
      boolean last = in.isFinished();
      if (last) eof = true;
      return Content.Chunk.asChunk(b, last, buffer);
    } catch (IOException | RuntimeException e) {
      if (buffer != null) buffer.release();
      IOException io = e instanceof IOException x ? x : new IOException(e);
      clientError = io;
      failure = io;
      return Content.Chunk.from(io, true);
    }
  }

  @Override
  public void demand(Runnable onReady) {
    demand.set(onReady);
    if (!listening.get() && upstreamAnswered) {
      run(); // read() answers AnsweredBeforeBody; the input is never opened
      return;
    }
    if (listening.compareAndSet(false, true)) {
      try {
        in = req.getInputStream();
        in.setReadListener(this); // the container calls onDataAvailable / onAllDataRead
      } catch (IOException | RuntimeException e) {
        onError(e);
      }
      return;
    }
    if (failure != null || eof || ready()) run();
  }

  private boolean ready() {
    try {
      return in.isFinished() || in.isReady();
    } catch (RuntimeException e) {
      failure = e;
      return true;
    }
  }

  private void run() {
    Runnable r = demand.getAndSet(null);
    if (r != null) r.run();
  }

  @Override
  public void fail(Throwable cause) {
    if (failure == null) failure = cause;
  }

  @Override
  public void onDataAvailable() {
    run();
  }

  @Override
  public void onAllDataRead() {
    run();
  }

  @Override
  public void onError(Throwable t) {
    IOException io = t instanceof IOException x ? x : new IOException(t);
    if (clientError == null) clientError = io;
    if (failure == null) failure = io;
    run();
  }
}
