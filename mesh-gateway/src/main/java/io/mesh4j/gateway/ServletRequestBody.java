package io.mesh4j.gateway;

import java.io.IOException;
import jakarta.servlet.ServletRequest;
import java.io.InputStream;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okio.BufferedSink;

/**
 * The inbound request's body, streamed from the servlet input to the upstream as OkHttp writes
 * it: one-shot (the input can be read once), so the mesh never retries an attempt that started
 * sending it, and memory stays at one copy buffer whatever the size. The content type is left to
 * the copied {@code Content-Type} header. The servlet input is opened only when OkHttp writes the
 * body: a container sends the client its {@code 100 Continue} when the input is opened, so an
 * {@code Expect: 100-continue} request's client is asked for its body only once the upstream
 * asked for it (OkHttp writes the body after the upstream's {@code 100}, never after a final
 * status). Not thread-safe (OkHttp writes a body from one thread).
 */
final class ServletRequestBody extends RequestBody {
  static final int BUFFER = 16 * 1024;

  private final ServletRequest request;
  private final long contentLength;
  /** Set when reading the client's body failed: the client's fault, not the upstream's. */
  volatile IOException clientError;

  ServletRequestBody(ServletRequest request, long contentLength) {
    this.request = request;
    this.contentLength = contentLength;
  }

  @Override
  public MediaType contentType() {
    return null;
  }

  @Override
  public long contentLength() {
    return contentLength;
  }

  @Override
  public boolean isOneShot() {
    return true;
  }

  @Override
  public void writeTo(BufferedSink sink) throws IOException {
    InputStream in = request.getInputStream();
    byte[] buffer = new byte[BUFFER];
    long total = 0;
    while (true) {
      int n;
      try {
        n = in.read(buffer);
      } catch (IOException e) {
        clientError = e;
        throw e;
      }
      if (n < 0) break;
      sink.write(buffer, 0, n);
      total += n;
    }
    if (contentLength >= 0 && total != contentLength) {
      IOException e = new IOException("the client sent " + total + " of " + contentLength
          + " body bytes");
      clientError = e;
      throw e;
    }
  }
}
