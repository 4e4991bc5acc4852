package io.mesh4j.internal.policy;

import io.mesh4j.policy.CompiledPolicy;
import io.mesh4j.policy.PolicyChain;
import io.mesh4j.policy.PolicyDecision;
import io.mesh4j.policy.PolicyExchange;
import io.mesh4j.policy.PolicyOutcome;
import io.mesh4j.policy.RequestPolicy;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.RouteTable;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request's run through a {@link PolicyChain}, driven by an adapter:
 *
 * <pre>{@code
 * PolicyRun run = PolicyInternals.start(route.policies(), view, vh, routeName, requestId, start);
 * PolicyDecision d = run.onRequest();           // never throws
 * if (!d.isContinue()) { send d's response; run.complete(d.status(), null); return; }
 * apply run's header edits (headerEditCount / headerEditName / headerEditValue) to the request;
 * ... send it ...
 * run.complete(status, failure);                // exactly once; later calls are ignored
 * }</pre>
 *
 * <p>Also the {@link PolicyExchange} the policies see. Header edits are kept as an ordered log
 * (name lower-cased; a {@code null} value is a removal), so a fail-open policy's partial edits can
 * be dropped and {@link #header} shows the edits made so far. {@link #onRequest} runs on the
 * request's thread; {@link #complete} may run on another (async servlet completion), after it.
 *
 * <p>Engine internal: public only so the adapters in other modules can drive it (policy authors
 * see it as a {@link PolicyExchange}). Not an API; it changes without notice.
 */
public final class PolicyRun implements PolicyExchange {
  /** The body of the answer when a fail-closed policy throws. */
  public static final String FAILED_BODY = "request policy failed\n";

  private final PolicyChain chain;
  private final CompiledPolicy[] policies;
  private final RequestView request;
  private final String virtualHost;
  private final String route;
  private final String requestId;
  private final long startNanos;
  private final AtomicBoolean completed = new AtomicBoolean();
  private String[] names = new String[4];
  private String[] values = new String[4];
  private int edits;
  private int ran;
  private boolean sealed;
  private String respondedBy;

  PolicyRun(
      PolicyChain chain, RequestView request, String virtualHost, String route, String requestId,
      long startNanos) {
    this.chain = chain;
    this.policies = PolicyInternals.policies(chain);
    this.request = request;
    this.virtualHost = virtualHost;
    this.route = route;
    this.requestId = requestId;
    this.startNanos = startNanos;
  }

  /**
   * Runs every policy's {@link RequestPolicy#onRequest} in order until one answers. Returns
   * {@link PolicyDecision#CONTINUE} or the answer to send (a fail-closed policy that threw gives
   * {@code 500}). Never throws. Call once.
   */
  public PolicyDecision onRequest() {
    if (sealed) throw new IllegalStateException("onRequest was already called");
    CompiledPolicy[] ps = policies;
    try {
      for (int i = 0; i < ps.length; i++) {
        CompiledPolicy p = ps[i];
        ran = i + 1;
        int mark = edits;
        PolicyDecision d;
        try {
          d = p.policy().onRequest(this);
        } catch (RuntimeException | Error e) {
          if (e instanceof VirtualMachineError vme) throw vme;
          edits = mark; // drop this policy's partial edits
          PolicyInternals.failed(p, chain.side(), true, e);
          if (p.failureMode() == RequestPolicy.FailureMode.FAIL_CLOSED) {
            respondedBy = p.name();
            return PolicyDecision.respond(500, FAILED_BODY, Map.of());
          }
          continue;
        }
        if (d != null && !d.isContinue()) {
          respondedBy = p.name();
          return d;
        }
      }
      return PolicyDecision.CONTINUE;
    } finally {
      sealed = true;
    }
  }

  /**
   * Reports the outcome to every policy whose {@code onRequest} ran, in reverse order. Only the
   * first call counts. Never throws.
   *
   * @param status the response status, or 0 when there is none
   * @param failure why there is no response, or {@code null}
   */
  public void complete(int status, Throwable failure) {
    if (!completed.compareAndSet(false, true)) return;
    sealed = true;
    PolicyOutcome outcome =
        new PolicyOutcome(
            status, failure, PolicyInternals.ticker(chain).read() - startNanos, respondedBy);
    CompiledPolicy[] ps = policies;
    for (int i = ran - 1; i >= 0; i--) {
      try {
        ps[i].policy().onComplete(this, outcome);
      } catch (RuntimeException | Error e) {
        if (e instanceof VirtualMachineError vme) throw vme;
        PolicyInternals.failed(ps[i], chain.side(), false, e);
      }
    }
  }

  /** The policy that answered the request (or failed closed), or {@code null}. */
  public String respondedBy() {
    return respondedBy;
  }

  /** How many header edits there are, in the order they must be applied. */
  public int headerEditCount() {
    return edits;
  }

  /** The lower-case header name of edit {@code i}. */
  public String headerEditName(int i) {
    if (i < 0 || i >= edits) throw new IndexOutOfBoundsException(i);
    return names[i];
  }

  /** The value edit {@code i} sets (replacing all values), or {@code null} when it removes. */
  public String headerEditValue(int i) {
    if (i < 0 || i >= edits) throw new IndexOutOfBoundsException(i);
    return values[i];
  }

  // ------------------------------------------------------------------ PolicyExchange

  @Override
  public void setHeader(String name, String value) {
    checkHeader(name, value);
    edit(name, value);
  }

  @Override
  public void removeHeader(String name) {
    checkHeader(name, "");
    edit(name, null);
  }

  private void edit(String name, String value) {
    if (sealed) throw new IllegalStateException("the request already went on; headers are final");
    if (edits == names.length) {
      names = Arrays.copyOf(names, edits * 2);
      values = Arrays.copyOf(values, edits * 2);
    }
    names[edits] = name.toLowerCase(Locale.ROOT);
    values[edits] = value;
    edits++;
  }

  /**
   * Checks a header edit or a policy answer's header: a non-empty token name without spaces,
   * colons, CR, LF or NUL, and a value without CR, LF or NUL.
   *
   * @throws NullPointerException when an argument is null
   * @throws IllegalArgumentException naming the header when it is malformed
   */
  public static void checkHeader(String name, String value) {
    if (name == null) throw new NullPointerException("name");
    if (value == null) throw new NullPointerException("value");
    if (name.isEmpty() || bad(name) || name.indexOf(':') >= 0 || name.indexOf(' ') >= 0) {
      throw new IllegalArgumentException("header name: \"" + name
          + "\" (expected: a token without spaces, colons, CR, LF or NUL)");
    }
    if (bad(value)) {
      throw new IllegalArgumentException("header " + name + ": value holds CR, LF or NUL");
    }
  }

  private static boolean bad(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\r' || c == '\n' || c == 0) return true;
    }
    return false;
  }

  @Override
  public String header(String name) {
    for (int i = edits - 1; i >= 0; i--) {
      if (names[i].equalsIgnoreCase(name)) return values[i];
    }
    return request.header(name);
  }

  @Override
  public RouteTable.Direction side() {
    return chain.side();
  }

  @Override
  public String virtualHost() {
    return virtualHost;
  }

  @Override
  public String route() {
    return route;
  }

  @Override
  public String requestId() {
    return requestId;
  }

  @Override
  public long startNanos() {
    return startNanos;
  }

  @Override
  public String method() {
    return request.method();
  }

  @Override
  public String scheme() {
    return request.scheme();
  }

  @Override
  public String authority() {
    return request.authority();
  }

  @Override
  public String path() {
    return request.path();
  }

  @Override
  public String query() {
    return request.query();
  }

  @Override
  public String sourceAddress() {
    return request.sourceAddress();
  }

  @Override
  public String principal() {
    return request.principal();
  }
}
