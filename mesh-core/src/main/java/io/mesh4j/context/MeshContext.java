package io.mesh4j.context;

import io.mesh4j.config.PropagateConfig;
import io.mesh4j.observe.ServerSpan;
import io.mesh4j.observe.TraceScope;
import io.mesh4j.route.RequestView;
import io.mesh4j.time.Ticker;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an inbound request carries to the calls made while handling it: its {@code x-request-id},
 * the values of the {@code propagate.headers} it arrived with, its deadline (from {@code
 * propagate.deadline_headers} and the inbound route's {@code timeout}) and, when the mesh traces,
 * its {@link ServerSpan}. The servlet filter attaches one for the duration of a request; the OkHttp
 * client reads {@link #current()} when a call is made, copies the values onto it, bounds it by the
 * deadline and makes its span a child of the server span.
 *
 * <pre>{@code
 * // server side (the filter)
 * MeshContext ctx = MeshContext.fromRequest(config.propagate(), view, requestIds);
 * try (MeshContext.Scope s = MeshContext.attach(ctx)) {
 *   chain.doFilter(request, response);
 * }
 * // handing work to another thread
 * executor.execute(MeshContext.current().wrap(task));
 * // client side (the interceptor)
 * MeshContext.current().forEachHeader(builder::header);
 * }</pre>
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li>Immutable and thread-safe; holds values only, never config, so two meshes in one JVM
 *       never see each other's settings. The only static mutable state is the thread-local
 *       holding the current context.
 *   <li>{@link #current()} never returns null: {@link #EMPTY} when nothing is attached.
 *   <li>Header names are lower-case tokens (RFC 9110 {@code tchar}); every value holds only
 *       horizontal tab and visible ASCII or space. A value with anything else (in particular CR,
 *       LF or NUL, or non-ASCII, which OkHttp would reject) is dropped with its header, never
 *       propagated raw; an invalid {@code x-request-id} is replaced by a generated one.
 *   <li>Scopes nest: closing one restores exactly the context that was current when it was
 *       attached. A scope must be closed on the thread that opened it, once; a second close is
 *       ignored, a close on another thread is ignored and logged. Attaching a context with a
 *       {@link #span() span} also makes that span current in the tracing library (its {@link
 *       ServerSpan#activate()}) until the scope closes.
 *   <li>Work handed to another thread keeps the context (deadline and span included) when wrapped:
 *       {@link #wrap(Runnable)}, {@link #wrap(Callable)}, {@link #propagating(Executor)}; the
 *       servlet filter does it for {@code AsyncContext.start}.
 * </ul>
 */
public final class MeshContext {
  private static final Logger log = LoggerFactory.getLogger(MeshContext.class);

  /** The request-id header, always carried (as {@link #requestId()}) when present. */
  public static final String REQUEST_ID = "x-request-id";

  private static final String[] NO_STRINGS = new String[0];

  /** No request id, no headers. */
  public static final MeshContext EMPTY =
      new MeshContext(null, NO_STRINGS, NO_STRINGS, null, false, 0, null);

  private static final ThreadLocal<MeshContext> CURRENT = new ThreadLocal<>();

  private final String requestId;
  private final String[] names;
  private final String[] values;
  /** The inbound request's server span, or null when the mesh does not trace. */
  private final ServerSpan span;
  private final boolean hasDeadline;
  private final long deadlineNanos;
  private final String deadlineHeader;

  private MeshContext(String requestId, String[] names, String[] values, ServerSpan span,
      boolean hasDeadline, long deadlineNanos, String deadlineHeader) {
    this.requestId = requestId;
    this.names = names;
    this.values = values;
    this.span = span;
    this.hasDeadline = hasDeadline;
    this.deadlineNanos = deadlineNanos;
    this.deadlineHeader = deadlineHeader;
  }

  /** The context attached to the calling thread, or {@link #EMPTY}. */
  public static MeshContext current() {
    MeshContext c = CURRENT.get();
    return c == null ? EMPTY : c;
  }

  /**
   * Makes {@code context} current on the calling thread until the returned scope is closed, which
   * restores the previous one. Use with try-with-resources.
   *
   * @throws NullPointerException when {@code context} is null
   */
  public static Scope attach(MeshContext context) {
    Objects.requireNonNull(context, "context");
    MeshContext previous = current();
    if (previous == context) return NoopScope.INSTANCE;
    set(context);
    TraceScope trace = context.span == null ? null : activate(context.span);
    return new ThreadScope(context, previous, Thread.currentThread(), trace);
  }

  private static TraceScope activate(ServerSpan span) {
    try {
      return span.activate();
    } catch (RuntimeException e) {
      log.warn("mesh4j: activating a server span failed", e);
      return null;
    }
  }

  private static void set(MeshContext context) {
    if (context == EMPTY) {
      CURRENT.remove();
    } else {
      CURRENT.set(context);
    }
  }

  /**
   * The context of an inbound request: its {@code x-request-id} when valid, else one from {@code
   * ids}; and, for each name in {@code propagate.headers()} other than {@code x-request-id}, the
   * request's value of that header when present and valid (repeated lines joined with {@code ","},
   * {@link RequestView#header}).
   */
  public static MeshContext fromRequest(
      PropagateConfig propagate, RequestView request, RequestIdGenerator ids) {
    Objects.requireNonNull(propagate, "propagate");
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(ids, "ids");
    Builder b = builder();
    String id = request.header(REQUEST_ID);
    b.requestId(isValidValue(id) && !id.isEmpty() ? id : ids.next());
    for (String name : propagate.headers()) {
      String lower = name.toLowerCase(Locale.ROOT);
      if (lower.equals(REQUEST_ID)) continue;
      String value = request.header(lower);
      if (value != null) b.header(lower, value);
    }
    return b.build();
  }

  /** A builder for a context made by hand (tests, non-servlet servers, batch jobs). */
  public static Builder builder() {
    return new Builder();
  }

  /** The request id, or null when none (as in {@link #EMPTY}). */
  public String requestId() {
    return requestId;
  }

  /** The value of propagated header {@code name} (case-insensitive), or null. Excludes the request id. */
  public String header(String name) {
    for (int i = 0; i < names.length; i++) {
      if (names[i].equalsIgnoreCase(name)) return values[i];
    }
    return null;
  }

  /** How many propagated headers there are, the request id not counted. */
  public int headerCount() {
    return names.length;
  }

  /** The lower-case name of propagated header {@code i} (0-based, in propagate order). */
  public String headerName(int i) {
    return names[i];
  }

  /** The value of propagated header {@code i}. */
  public String headerValue(int i) {
    return values[i];
  }

  /**
   * Calls {@code action} with every header to put on an outgoing call: {@code x-request-id} first
   * (when there is a request id), then the propagated headers in propagate order. Allocates
   * nothing.
   */
  public void forEachHeader(BiConsumer<String, String> action) {
    if (requestId != null) action.accept(REQUEST_ID, requestId);
    for (int i = 0; i < names.length; i++) action.accept(names[i], values[i]);
  }

  /** Every header {@link #forEachHeader} gives, as an unmodifiable ordered map. */
  public Map<String, String> headers() {
    Map<String, String> m = new LinkedHashMap<>();
    forEachHeader(m::put);
    return Collections.unmodifiableMap(m);
  }

  /** Whether there is no request id, propagated header, deadline or span. */
  public boolean isEmpty() {
    return requestId == null && names.length == 0 && !hasDeadline && span == null;
  }

  /** The inbound request's server span; {@link ServerSpan#NOOP} when none (not traced). */
  public ServerSpan span() {
    return span != null ? span : ServerSpan.NOOP;
  }

  /** Whether the inbound request has a deadline (calls made for it never outlive it). */
  public boolean hasDeadline() {
    return hasDeadline;
  }

  /**
   * The deadline, as a reading of the {@link Ticker} of the mesh whose filter set it ({@link
   * Ticker#system()} unless the mesh was built with another); meaningless without {@link
   * #hasDeadline()}.
   */
  public long deadlineNanos() {
    return deadlineNanos;
  }

  /**
   * The header that forwards the time left to the calls made for the request (the one the deadline
   * arrived in, else the first of {@code propagate.deadline_headers}), or null to forward none.
   */
  public String deadlineHeader() {
    return deadlineHeader;
  }

  /**
   * The time left before the deadline as {@code ticker} reads it now (negative once passed), or
   * {@link Long#MAX_VALUE} when there is no deadline.
   */
  public long remainingNanos(Ticker ticker) {
    return hasDeadline ? deadlineNanos - ticker.read() : Long.MAX_VALUE;
  }

  /** This context with {@code span} as its server span (null: none). */
  public MeshContext withSpan(ServerSpan span) {
    if (span == this.span) return this;
    return new MeshContext(requestId, names, values, span, hasDeadline, deadlineNanos, deadlineHeader);
  }

  /**
   * This context with a deadline at {@code deadlineNanos} (a {@link Ticker} reading), forwarded in
   * {@code header} (null: forwarded in none), replacing any deadline it had.
   *
   * @throws IllegalArgumentException when {@code header} is not a valid header name
   */
  public MeshContext withDeadline(long deadlineNanos, String header) {
    if (header != null && !isValidName(header)) {
      throw new IllegalArgumentException("header: " + header + " (expected: a header name token)");
    }
    return new MeshContext(requestId, names, values, span, true, deadlineNanos,
        header == null ? null : header.toLowerCase(Locale.ROOT));
  }

  /** {@code task}, run with this context attached (then the thread's previous one restored). */
  public Runnable wrap(Runnable task) {
    Objects.requireNonNull(task, "task");
    return () -> {
      Scope s = attach(this);
      try {
        task.run();
      } finally {
        s.close();
      }
    };
  }

  /** {@code task}, called with this context attached (then the thread's previous one restored). */
  public <T> Callable<T> wrap(Callable<T> task) {
    Objects.requireNonNull(task, "task");
    return () -> {
      Scope s = attach(this);
      try {
        return task.call();
      } finally {
        s.close();
      }
    };
  }

  /**
   * An executor that runs each task with the context that was current when the task was
   * submitted (not when the executor was made).
   */
  public static Executor propagating(Executor delegate) {
    Objects.requireNonNull(delegate, "delegate");
    return task -> delegate.execute(current().wrap(task));
  }

  /**
   * Whether {@code value} may be propagated: not null, and only horizontal tab, space and
   * visible ASCII ({@code 0x21-0x7E}). Allocates nothing.
   */
  public static boolean isValidValue(String value) {
    if (value == null) return false;
    for (int i = 0, n = value.length(); i < n; i++) {
      char c = value.charAt(i);
      if (c == '\t') continue;
      if (c < 0x20 || c > 0x7E) return false;
    }
    return true;
  }

  /** Whether {@code name} is a non-empty RFC 9110 token. */
  public static boolean isValidName(String name) {
    if (name == null || name.isEmpty()) return false;
    for (int i = 0, n = name.length(); i < n; i++) {
      char c = name.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) return false;
    }
    return true;
  }

  @Override
  public String toString() {
    return "MeshContext" + headers();
  }

  /** An attachment of a context to a thread; closing it restores the previous one. */
  public interface Scope extends AutoCloseable {
    /** Restores the context that was current before this scope; never throws. */
    @Override
    void close();
  }

  private enum NoopScope implements Scope {
    INSTANCE;

    @Override
    public void close() {}
  }

  private static final class ThreadScope implements Scope {
    private final MeshContext attached;
    private final MeshContext previous;
    private final Thread owner;
    private final TraceScope trace;
    private boolean closed;

    ThreadScope(MeshContext attached, MeshContext previous, Thread owner, TraceScope trace) {
      this.attached = attached;
      this.previous = previous;
      this.owner = owner;
      this.trace = trace;
    }

    @Override
    public void close() {
      if (Thread.currentThread() != owner) {
        log.warn("mesh4j context scope closed on {} but opened on {}; ignored", Thread.currentThread().getName(), owner.getName());
        return;
      }
      if (closed) return;
      closed = true;
      if (CURRENT.get() != (attached == EMPTY ? null : attached)) {
        log.debug("mesh4j context scopes closed out of order; restoring this scope's previous context");
      }
      set(previous);
      if (trace != null) {
        try {
          trace.close();
        } catch (RuntimeException e) {
          log.warn("mesh4j: closing a server span's scope failed", e);
        }
      }
    }
  }

  /** Builds a {@link MeshContext}; invalid names and values are dropped. Not thread-safe. */
  public static final class Builder {
    private String requestId;
    private String[] names = new String[4];
    private String[] values = new String[4];
    private int size;

    private Builder() {}

    /** Sets the request id; a null, empty or invalid value clears it. */
    public Builder requestId(String id) {
      this.requestId = id != null && !id.isEmpty() && isValidValue(id) ? id : null;
      return this;
    }

    /**
     * Adds (or replaces) a propagated header. The name is lower-cased; an invalid name or value
     * drops the header (and removes an earlier value of that name). {@code x-request-id} sets
     * the request id instead.
     */
    public Builder header(String name, String value) {
      if (!isValidName(name)) return this;
      String lower = name.toLowerCase(Locale.ROOT);
      if (lower.equals(REQUEST_ID)) return requestId(value);
      int at = indexOf(lower);
      if (!isValidValue(value)) {
        if (at >= 0) remove(at);
        return this;
      }
      if (at >= 0) {
        values[at] = value;
        return this;
      }
      if (size == names.length) {
        names = Arrays.copyOf(names, size * 2);
        values = Arrays.copyOf(values, size * 2);
      }
      names[size] = lower;
      values[size] = value;
      size++;
      return this;
    }

    private int indexOf(String lower) {
      for (int i = 0; i < size; i++) if (names[i].equals(lower)) return i;
      return -1;
    }

    private void remove(int at) {
      System.arraycopy(names, at + 1, names, at, size - at - 1);
      System.arraycopy(values, at + 1, values, at, size - at - 1);
      size--;
      names[size] = null;
      values[size] = null;
    }

    /** The context; {@link #EMPTY} when nothing valid was added. */
    public MeshContext build() {
      if (requestId == null && size == 0) return EMPTY;
      return new MeshContext(requestId, Arrays.copyOf(names, size), Arrays.copyOf(values, size),
          null, false, 0, null);
    }
  }
}
