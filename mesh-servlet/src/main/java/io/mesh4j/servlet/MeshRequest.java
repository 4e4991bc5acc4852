package io.mesh4j.servlet;

import io.mesh4j.config.HeadersConfig;
import io.mesh4j.context.MeshContext;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The request the application sees behind {@link MeshFilter}:
 *
 * <ul>
 *   <li>the matched route's {@code headers} applied (the named headers removed, then the added
 *       values appended), and {@code x-request-id} showing the request's id when the client sent
 *       none or an invalid one;
 *   <li>{@link #startAsync()} registering the filter's outcome listener and returning an {@link
 *       AsyncContext} whose {@link AsyncContext#start(Runnable)} runs the task with the request's
 *       {@link MeshContext}; {@link #getAsyncContext()} returns that same wrapper.
 * </ul>
 *
 * <p>Used by the container and the application as any request: as thread-safe as the request it
 * wraps.
 */
final class MeshRequest extends HttpServletRequestWrapper {
  private final Exchange exchange;
  private final boolean overlay;
  private final List<String> removed;
  private final Map<String, String> added;
  private final String requestIdOverride;
  private volatile AsyncContext lastDelegate;
  private volatile MeshAsyncContext lastWrapper;

  MeshRequest(HttpServletRequest request, Exchange exchange, HeadersConfig headers) {
    super(request);
    this.exchange = exchange;
    this.removed = headers == null ? List.of() : headers.remove();
    this.added = headers == null ? Map.of() : lowerCaseKeys(headers.add());
    String id = exchange.context().requestId();
    String sent = request.getHeader(MeshContext.REQUEST_ID);
    this.requestIdOverride = id != null && !id.equals(sent) ? id : null;
    this.overlay = requestIdOverride != null || !removed.isEmpty() || !added.isEmpty();
  }

  private static Map<String, String> lowerCaseKeys(Map<String, String> m) {
    Map<String, String> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k.toLowerCase(Locale.ROOT), v));
    return out;
  }

  private boolean isRemoved(String name) {
    for (String r : removed) {
      if (r.equalsIgnoreCase(name)) return true;
    }
    return false;
  }

  private boolean isRequestId(String name) {
    return requestIdOverride != null && MeshContext.REQUEST_ID.equalsIgnoreCase(name);
  }

  private boolean touches(String name) {
    return isRequestId(name) || isRemoved(name)
        || (!added.isEmpty() && added.containsKey(name.toLowerCase(Locale.ROOT)));
  }

  @Override
  public String getHeader(String name) {
    if (!overlay || name == null) return super.getHeader(name);
    if (isRequestId(name)) return requestIdOverride;
    if (!isRemoved(name)) {
      String v = super.getHeader(name);
      if (v != null) return v;
    }
    return added.isEmpty() ? null : added.get(name.toLowerCase(Locale.ROOT));
  }

  @Override
  public Enumeration<String> getHeaders(String name) {
    if (!overlay || name == null || !touches(name)) return super.getHeaders(name);
    if (isRequestId(name)) return Collections.enumeration(List.of(requestIdOverride));
    List<String> values = new ArrayList<>();
    if (!isRemoved(name)) {
      Enumeration<String> e = super.getHeaders(name);
      if (e != null) while (e.hasMoreElements()) values.add(e.nextElement());
    }
    String extra = added.get(name.toLowerCase(Locale.ROOT));
    if (extra != null) values.add(extra);
    return Collections.enumeration(values);
  }

  @Override
  public Enumeration<String> getHeaderNames() {
    if (!overlay) return super.getHeaderNames();
    List<String> names = new ArrayList<>();
    Enumeration<String> e = super.getHeaderNames();
    boolean sawId = false;
    if (e != null) {
      while (e.hasMoreElements()) {
        String n = e.nextElement();
        if (isRemoved(n) && !added.containsKey(n.toLowerCase(Locale.ROOT))) continue;
        if (MeshContext.REQUEST_ID.equalsIgnoreCase(n)) sawId = true;
        if (!containsIgnoreCase(names, n)) names.add(n);
      }
    }
    for (String n : added.keySet()) {
      if (!containsIgnoreCase(names, n)) names.add(n);
    }
    if (requestIdOverride != null && !sawId && !containsIgnoreCase(names, MeshContext.REQUEST_ID)) {
      names.add(MeshContext.REQUEST_ID);
    }
    return Collections.enumeration(names);
  }

  private static boolean containsIgnoreCase(List<String> names, String name) {
    for (String n : names) {
      if (n.equalsIgnoreCase(name)) return true;
    }
    return false;
  }

  @Override
  public int getIntHeader(String name) {
    if (!overlay || name == null || !touches(name)) return super.getIntHeader(name);
    String v = getHeader(name);
    return v == null ? -1 : Integer.parseInt(v.trim());
  }

  @Override
  public long getDateHeader(String name) {
    if (!overlay || name == null || !touches(name)) return super.getDateHeader(name);
    String v = getHeader(name);
    if (v == null) return -1;
    try {
      return ZonedDateTime.parse(v.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
    } catch (DateTimeParseException ex) {
      throw new IllegalArgumentException("not an HTTP date: " + v, ex);
    }
  }

  @Override
  public AsyncContext startAsync() {
    return wrap(super.startAsync());
  }

  @Override
  public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
    return wrap(super.startAsync(request, response));
  }

  @Override
  public AsyncContext getAsyncContext() {
    AsyncContext c = super.getAsyncContext();
    MeshAsyncContext w = lastWrapper;
    if (w != null && c == lastDelegate) return w;
    return c == null ? null : new MeshAsyncContext(c, exchange.context());
  }

  private AsyncContext wrap(AsyncContext async) {
    if (!exchange.isListening()) exchange.listenTo(async);
    MeshAsyncContext w = new MeshAsyncContext(async, exchange.context());
    lastWrapper = w;
    lastDelegate = async;
    return w;
  }
}
