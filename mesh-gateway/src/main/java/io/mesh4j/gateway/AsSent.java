package io.mesh4j.gateway;

import java.io.IOException;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Keeps a forwarded request as the client sent it on the OkHttp transport: a network interceptor
 * that undoes what OkHttp's bridge adds to a request ({@code User-Agent: okhttp/…}, {@code
 * Accept-Encoding: gzip}) when the client sent no such header, and hides a gzip {@code
 * Content-Encoding} of the response from the bridge so it does not decompress the body: the body
 * reaches the client byte for byte, still encoded, and {@link ForwardCall} restores the header
 * name ({@link #CONTENT_ENCODING}).
 *
 * <p>Acts only on requests tagged with an {@code AsSent} (the gateway's own); any other request
 * passes untouched. The tag values are shared constants: no allocation per request. Stateless and
 * thread-safe.
 */
final class AsSent implements Interceptor {
  /** The name the upstream's {@code Content-Encoding} travels under between here and {@link ForwardCall}. */
  static final String CONTENT_ENCODING = "x-mesh4j-gateway-content-encoding";

  static final AsSent INTERCEPTOR = new AsSent(false, false);

  private static final AsSent NEITHER = INTERCEPTOR;
  private static final AsSent USER_AGENT = new AsSent(true, false);
  private static final AsSent ACCEPT_ENCODING = new AsSent(false, true);
  private static final AsSent BOTH = new AsSent(true, true);

  /** Whether the client sent a {@code User-Agent}. */
  final boolean userAgent;
  /** Whether the client sent an {@code Accept-Encoding}. */
  final boolean acceptEncoding;

  private AsSent(boolean userAgent, boolean acceptEncoding) {
    this.userAgent = userAgent;
    this.acceptEncoding = acceptEncoding;
  }

  /** The tag for a request whose client did ({@code true}) or did not send these headers. */
  static AsSent of(boolean userAgent, boolean acceptEncoding) {
    return userAgent ? (acceptEncoding ? BOTH : USER_AGENT)
        : (acceptEncoding ? ACCEPT_ENCODING : NEITHER);
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    AsSent sent = request.tag(AsSent.class);
    if (sent == null) return chain.proceed(request);
    boolean dropAgent = !sent.userAgent && request.header("User-Agent") != null;
    boolean dropEncoding = !sent.acceptEncoding && request.header("Accept-Encoding") != null;
    if (dropAgent || dropEncoding) {
      Request.Builder b = request.newBuilder();
      if (dropAgent) b.removeHeader("User-Agent");
      if (dropEncoding) b.removeHeader("Accept-Encoding");
      request = b.build();
    }
    Response response = chain.proceed(request);
    if (sent.acceptEncoding) return response;
    // The bridge asked for gzip on the client's behalf and would decompress: hide the encoding
    // (any coding: the bridge only acts on gzip, but one rule is simpler to reason about).
    String encoding = response.header("Content-Encoding");
    if (encoding == null && response.header(CONTENT_ENCODING) == null) return response;
    Response.Builder b = response.newBuilder().removeHeader(CONTENT_ENCODING);
    if (encoding != null) {
      b.removeHeader("Content-Encoding");
      for (String value : response.headers("Content-Encoding")) b.addHeader(CONTENT_ENCODING, value);
    }
    return b.build();
  }
}
