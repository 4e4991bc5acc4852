package io.mesh4j.gateway;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import org.eclipse.jetty.client.InputStreamRequestContent;

/**
 * Blocking mode's request content: the servlet input read with blocking reads by the Jetty
 * client's thread as it sends (the container thread is parked in the attempt loop meanwhile),
 * 16 KB at a time; the client's {@code Content-Length} kept, no {@code Content-Type} added. A read
 * failure is kept in {@link #clientError} (the gateway then answers 400). One-shot.
 */
final class BlockingContent extends InputStreamRequestContent {
  private final long length;
  volatile IOException clientError;
  /**
   * The current attempt's final response began: the servlet input, if not yet opened, stays
   * closed ({@link JettyAttempts.AnsweredBeforeBody}).
   */
  volatile boolean upstreamAnswered;

  BlockingContent(HttpServletRequest req, long length) {
    this(new Recording(req), length);
  }

  private BlockingContent(Recording in, long length) {
    super(null, in, ServletRequestBody.BUFFER);
    this.length = length;
    in.owner = this;
  }

  @Override
  public long getLength() {
    return length;
  }

  @Override
  public String getContentType() {
    return null;
  }

  /**
   * Opens the servlet input on the first read (Jetty sends {@code 100 Continue} when it is opened:
   * only once the upstream asked for the body, never after its final response began) and records
   * the first read failure.
   */
  private static final class Recording extends InputStream {
    private final HttpServletRequest req;
    private InputStream in;
    BlockingContent owner;

    Recording(HttpServletRequest req) {
      this.req = req;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      // Not the client's failure: not recorded as one.
      if (in == null && owner.upstreamAnswered) throw new JettyAttempts.AnsweredBeforeBody();
      try {
        if (in == null) in = req.getInputStream();
        return in.read(b, off, len);
      } catch (IOException e) {
        if (owner.clientError == null) owner.clientError = e;
        throw e;
      }
    }
  }
}
