package io.mesh4j.okhttp;

import io.mesh4j.route.RouteAction;
import io.mesh4j.policy.PolicyDecision;
import io.mesh4j.route.RequestView;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The synthetic responses the client answers with itself, as Envoy's direct responses: a {@code
 * respond} route, a {@code redirect} route, and a fault-injection abort. They are real {@link
 * Response}s (status line, headers, a body with its {@code Content-Length}) whose request is the
 * caller's own and whose protocol is HTTP/1.1; no network is involved.
 */
final class DirectResponses {
  private DirectResponses() {}

  /** The response of a {@code respond} route. */
  static Response respond(Request request, RouteAction.Respond respond) {
    Headers.Builder h = new Headers.Builder();
    MediaType type = null;
    for (Map.Entry<String, String> e : respond.headers().entrySet()) {
      h.addUnsafeNonAscii(e.getKey(), e.getValue());
      if (e.getKey().equalsIgnoreCase("Content-Type")) type = MediaType.parse(e.getValue());
    }
    byte[] body = respond.body().getBytes(StandardCharsets.UTF_8);
    if (h.get("Content-Length") == null) h.add("Content-Length", Integer.toString(body.length));
    return response(request, respond.status(), h.build(), ResponseBody.create(body, type));
  }

  /** The response of a {@code redirect} route: its status and a {@code Location}, no body. */
  static Response redirect(Request request, RouteAction.Redirect redirect, RequestView view) {
    Headers headers = Headers.of("Location", redirect.location(view), "Content-Length", "0");
    return response(request, redirect.code(), headers, ResponseBody.create(new byte[0], null));
  }

  /**
   * The 307 of {@code path_with_escaped_slashes_action: unescape_and_redirect}: the request's URL
   * with {@code path} (already canonical) and its query.
   */
  static Response pathRedirect(Request request, String path) {
    String location = request.url().newBuilder().encodedPath(path).build().toString();
    Headers headers = Headers.of("Location", location, "Content-Length", "0");
    return response(request, 307, headers, ResponseBody.create(new byte[0], null));
  }

  /**
   * The answer of a request policy that short-circuited the call: its status, headers and body
   * ({@code text/plain; charset=utf-8} unless it set a content type).
   */
  static Response policy(Request request, PolicyDecision decision) {
    Headers.Builder h = new Headers.Builder();
    MediaType type = null;
    for (Map.Entry<String, String> e : decision.headers().entrySet()) {
      h.addUnsafeNonAscii(e.getKey(), e.getValue());
      if (e.getKey().equalsIgnoreCase("Content-Type")) type = MediaType.parse(e.getValue());
    }
    byte[] body = decision.body().getBytes(StandardCharsets.UTF_8);
    if (type == null && body.length > 0) {
      type = MediaType.parse("text/plain; charset=utf-8");
      h.add("Content-Type", type.toString());
    }
    if (h.get("Content-Length") == null) h.add("Content-Length", Integer.toString(body.length));
    return response(request, decision.status(), h.build(), ResponseBody.create(body, type));
  }

  /** The response of a fault-injection abort: the status, {@code x-mesh-fault: abort}, no body. */
  static Response abort(Request request, int status) {
    Headers headers = Headers.of("x-mesh-fault", "abort", "Content-Length", "0");
    return response(request, status, headers, ResponseBody.create(new byte[0], null));
  }

  private static Response response(Request request, int code, Headers headers, ResponseBody body) {
    long now = System.currentTimeMillis();
    return new Response.Builder()
        .request(request)
        .protocol(Protocol.HTTP_1_1)
        .code(code)
        .message(reasonPhrase(code))
        .headers(headers)
        .body(body)
        .sentRequestAtMillis(now)
        .receivedResponseAtMillis(now)
        .build();
  }

  /** The RFC 9110 reason phrase of {@code code}, or an empty string for an unregistered code. */
  static String reasonPhrase(int code) {
    return switch (code) {
      case 200 -> "OK";
      case 201 -> "Created";
      case 202 -> "Accepted";
      case 204 -> "No Content";
      case 301 -> "Moved Permanently";
      case 302 -> "Found";
      case 303 -> "See Other";
      case 304 -> "Not Modified";
      case 307 -> "Temporary Redirect";
      case 308 -> "Permanent Redirect";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 408 -> "Request Timeout";
      case 409 -> "Conflict";
      case 410 -> "Gone";
      case 429 -> "Too Many Requests";
      case 500 -> "Internal Server Error";
      case 501 -> "Not Implemented";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> "";
    };
  }
}
