package io.mesh4j.spring.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.AbstractClientHttpRequest;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.ClientHttpResponse;

/**
 * A {@link ClientHttpRequestFactory} that sends {@code RestClient} and {@code RestTemplate} requests
 * through an OkHttp client, normally one wrapped with {@code MeshOkHttp.wrap}, so they are routed,
 * load balanced, retried and circuit-broken by the mesh like the application's OkHttp calls.
 *
 * <pre>{@code
 * RestClient client = RestClient.builder()
 *     .requestFactory(new MeshClientHttpRequestFactory(MeshOkHttp.wrap(new OkHttpClient(), mesh)))
 *     .build();
 * client.get().uri("http://inventory/api/items").retrieve().body(String.class);
 * }</pre>
 *
 * <p>The request body is buffered (so the mesh can retry it on another endpoint) and sent with the
 * request's {@code Content-Type}; {@code Content-Length}, {@code Transfer-Encoding} and {@code Host}
 * are left to OkHttp. The response streams: closing it releases the connection. Mesh failures reach
 * the caller as the {@code IOException}s OkHttp reports ({@code MeshException}), which Spring wraps
 * in {@code ResourceAccessException}.
 *
 * <p>Thread-safe. The client is resolved on the first request, so creating the factory loads no
 * OkHttp class.
 */
public final class MeshClientHttpRequestFactory implements ClientHttpRequestFactory {
  private static final Set<String> MANAGED_HEADERS =
      Set.of("content-length", "transfer-encoding", "host", "connection");
  private static final Set<String> BODY_REQUIRED = Set.of("POST", "PUT", "PATCH", "PROPPATCH", "REPORT");
  private static final Set<String> BODY_FORBIDDEN = Set.of("GET", "HEAD");

  private final Supplier<OkHttpClient> client;
  private volatile OkHttpClient resolved;

  /** Sends every request with {@code client}. */
  public MeshClientHttpRequestFactory(OkHttpClient client) {
    Objects.requireNonNull(client, "client");
    this.client = () -> client;
    this.resolved = client;
  }

  /**
   * Sends every request with the client {@code client} supplies on the first request (called once;
   * it must not return {@code null}).
   */
  public MeshClientHttpRequestFactory(Supplier<OkHttpClient> client) {
    this.client = Objects.requireNonNull(client, "client");
  }

  @Override
  public ClientHttpRequest createRequest(URI uri, HttpMethod method) {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(method, "method");
    return new OkHttpClientRequest(client(), uri, method);
  }

  private OkHttpClient client() {
    OkHttpClient c = resolved;
    if (c == null) {
      synchronized (this) {
        c = resolved;
        if (c == null) {
          c = Objects.requireNonNull(client.get(), "the OkHttpClient supplier returned null");
          resolved = c;
        }
      }
    }
    return c;
  }

  private static final class OkHttpClientRequest extends AbstractClientHttpRequest {
    private final OkHttpClient client;
    private final URI uri;
    private final HttpMethod method;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream(256);

    OkHttpClientRequest(OkHttpClient client, URI uri, HttpMethod method) {
      this.client = client;
      this.uri = uri;
      this.method = method;
    }

    @Override
    public HttpMethod getMethod() {
      return method;
    }

    @Override
    public URI getURI() {
      return uri;
    }

    @Override
    protected OutputStream getBodyInternal(HttpHeaders headers) {
      return body;
    }

    @Override
    protected ClientHttpResponse executeInternal(HttpHeaders headers) throws IOException {
      Request.Builder request = new Request.Builder().url(uri.toString());
      headers.forEach((name, values) -> {
        if (!MANAGED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
          for (String value : values) request.addHeader(name, value);
        }
      });
      String m = method.name();
      byte[] bytes = body.toByteArray();
      RequestBody requestBody = null;
      if (bytes.length > 0 || BODY_REQUIRED.contains(m)) {
        if (BODY_FORBIDDEN.contains(m)) {
          throw new IllegalArgumentException(m + " " + uri + ": a " + m + " request cannot have a body");
        }
        String type = headers.getFirst(HttpHeaders.CONTENT_TYPE);
        requestBody = RequestBody.create(bytes, type == null ? null : MediaType.parse(type));
      }
      request.method(m, requestBody);
      return new OkHttpClientResponse(client.newCall(request.build()).execute());
    }
  }

  private static final class OkHttpClientResponse implements ClientHttpResponse {
    private final Response response;
    private HttpHeaders headers;

    OkHttpClientResponse(Response response) {
      this.response = response;
    }

    @Override
    public HttpStatusCode getStatusCode() {
      return HttpStatusCode.valueOf(response.code());
    }

    @Override
    public String getStatusText() {
      return response.message();
    }

    @Override
    public HttpHeaders getHeaders() {
      HttpHeaders h = headers;
      if (h == null) {
        h = new HttpHeaders();
        for (int i = 0, n = response.headers().size(); i < n; i++) {
          h.add(response.headers().name(i), response.headers().value(i));
        }
        headers = h;
      }
      return h;
    }

    @Override
    public InputStream getBody() {
      ResponseBody b = response.body();
      return b.byteStream();
    }

    @Override
    public void close() {
      response.close();
    }
  }
}
