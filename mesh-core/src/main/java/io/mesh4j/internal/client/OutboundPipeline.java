package io.mesh4j.internal.client;

import io.mesh4j.internal.fault.Fault;
import io.mesh4j.route.RequestPath;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.Route;
import io.mesh4j.route.RouteAction;
import io.mesh4j.route.RouteMatch;
import io.mesh4j.route.RouteTable;
import java.io.IOException;
import java.util.List;

/**
 * The outbound request pipeline: what the mesh decides about a request a client sends, in one
 * order of {@link Step steps} declared once ({@link #STEPS}, then {@link #FORWARD_STEPS} for a
 * forwarded request), for every client adapter. The adapter only carries out each decision through
 * its {@link Exchange}.
 *
 * <ol>
 *   <li>{@link Step#ROUTE}: match the outbound route table; a request for no mesh host leaves the
 *       mesh untouched ({@link Exchange#leave()}), a mesh host without a matching route fails
 *       ({@link Exchange#noRoute});
 *   <li>{@link Step#PATH}: a path without a safe canonical form never reaches a route's action
 *       ({@link Exchange#invalidPath}; checked before {@code NO_ROUTE} so the refusal is named);
 *   <li>{@link Step#POLICIES}: the route's request policies, which may answer the request or edit
 *       its headers;
 *   <li>{@link Step#ACTION}: {@code pass} leaves the mesh, {@code respond} and {@code redirect} are
 *       answered, {@code to} and {@code split} forward to the cluster picked, which runs
 *       {@link #FORWARD_STEPS}: {@link Step#FAULT} (the route's {@code fault}: wait, perhaps
 *       answer with the abort status) then {@link Step#ATTEMPTS} ({@link AttemptLoop}).
 * </ol>
 *
 * <p>Unlike the inbound side there is no authorization or rate-limit step: those are server
 * settings. Stateless and thread-safe; allocates nothing itself.
 */
public final class OutboundPipeline {
  /** One step of the outbound pipeline, in the order they run. */
  public enum Step { ROUTE, PATH, POLICIES, ACTION, FAULT, ATTEMPTS }

  /** The steps every outbound mesh request goes through, in order. */
  public static final List<Step> STEPS =
      List.of(Step.ROUTE, Step.PATH, Step.POLICIES, Step.ACTION);

  /** The steps of a forwarded request (the {@code to} and {@code split} actions), in order. */
  public static final List<Step> FORWARD_STEPS = List.of(Step.FAULT, Step.ATTEMPTS);

  private OutboundPipeline() {}

  /**
   * What a client adapter does for each decision of the pipeline, over its own request and
   * response types. Every method returns the response to hand back, or throws the adapter's
   * exception.
   *
   * @param <R> the adapter's response type
   */
  public interface Exchange<R> {
    /** Sends the request on outside the mesh, unchanged (not a mesh host, or a {@code pass} route). */
    R leave() throws IOException;

    /** The request's path has no safe canonical form; {@code match} is what it would have taken. */
    R invalidPath(RouteMatch match) throws IOException;

    /** No route of {@code virtualHost} matches the request. */
    R noRoute(String virtualHost) throws IOException;

    /**
     * Starts {@code route}'s request policies: returns a policy's answer, or {@code null} to go on
     * (after applying their header edits to the request the rest of the pipeline sends).
     */
    R policies(Route route) throws IOException;

    /** Answers with the route's {@code respond} or {@code redirect} action. */
    R answer(Route route, RouteAction action) throws IOException;

    /**
     * Forwards to {@code cluster}: resolves what the attempts send and then runs {@link
     * OutboundPipeline#forward}.
     */
    R forward(Route route, String cluster) throws IOException;
  }

  /** What a forwarded request does for the {@link #FORWARD_STEPS}. */
  public interface Forward<R> {
    /** Counts a fault delay about to be waited. */
    void faultDelayed();

    /** The call was cancelled during a fault delay: the exception to fail with. */
    IOException cancelled();

    /** Answers with a fault's abort {@code status} (counted and recorded by the adapter). */
    R abort(int status) throws IOException;

    /** Runs the attempts on {@code loop}. */
    R attempts(AttemptLoop loop) throws IOException;

    /**
     * For an asynchronous adapter, the placeholder it returns for "the answer comes later"; {@code
     * null} for a synchronous one. With a placeholder, a fault delay is waited on the scheduler
     * ({@link AttemptLoop#after}) instead of on the calling thread, and the steps after it end in
     * {@link #resumed}.
     */
    default R pending() {
      return null;
    }

    /**
     * An asynchronous forward went on after its fault delay: {@code response} is what the steps
     * after the delay returned (perhaps {@link #pending()} again), or {@code failure} what they
     * threw. Runs on the scheduler's thread, or the cancelling thread.
     */
    default void resumed(R response, Throwable failure) {
      throw new UnsupportedOperationException("a synchronous forward never resumes");
    }
  }

  /**
   * Runs {@link #STEPS} for {@code view} against {@code table}. An empty {@link RequestView#path()}
   * means the path has no safe canonical form.
   */
  public static <R> R decide(RouteTable table, RequestView view, Exchange<R> x) throws IOException {
    RouteMatch m = null;
    for (int i = 0; i < ORDER.length; i++) {
      switch (ORDER[i]) {
        case ROUTE -> {
          m = table.match(view);
          if (m.outcome() == RouteMatch.Outcome.NOT_MESH) return x.leave();
        }
        case PATH -> {
          if (view.path().isEmpty()) return x.invalidPath(m);
          if (m.outcome() == RouteMatch.Outcome.NO_ROUTE) return x.noRoute(m.virtualHost());
        }
        case POLICIES -> {
          if (!m.route().policies().isEmpty()) {
            R answer = x.policies(m.route());
            if (answer != null) return answer;
          }
        }
        case ACTION -> {
          Route route = m.route();
          RouteAction action = route.action();
          return switch (action.kind()) {
            case PASS -> x.leave();
            case RESPOND, REDIRECT -> x.answer(route, action);
            default -> x.forward(route, ((RouteAction.ClusterTarget) action).pickCluster());
          };
        }
        default -> throw new AssertionError(ORDER[i]);
      }
    }
    throw new AssertionError("the pipeline has no ACTION step");
  }

  /** Runs {@link #FORWARD_STEPS}: the route's {@code fault} (decided by the caller), then the attempts. */
  public static <R> R forward(Fault fault, AttemptLoop loop, Forward<R> x) throws IOException {
    if (fault.isNone()) return x.attempts(loop);
    if (fault.delayed()) {
      x.faultDelayed();
      R pending = x.pending();
      if (pending != null) {
        loop.after(fault.delayNanos(), () -> {
          R r;
          try {
            r = afterDelay(fault, loop, x);
          } catch (IOException | RuntimeException | Error e) {
            x.resumed(null, e);
            return;
          }
          x.resumed(r, null);
        });
        return pending;
      }
      if (!loop.await(fault.delayNanos())) throw x.cancelled();
    }
    return afterDelay(fault, loop, x);
  }

  /**
   * The path a forward on {@code route} sends upstream, decided once for every adapter (the OkHttp
   * client and the gateway's Jetty transport): the route's rewrite of the canonical path when it
   * has one ({@link Route#rewritePath(RequestView, RequestPath)}), else the request's own path in
   * its forwarded spelling ({@link RequestPath#forwarded}, path parameters kept). {@code null} when
   * a rewrite has no safe result, {@code ""} when the request's path has no safe canonical form:
   * either way nothing may be sent (the adapter fails with {@code INVALID_PATH}).
   *
   * @param view the request, whose {@link RequestView#path()} is the canonical path ({@code ""}
   *     when there is none)
   * @param rules the snapshot's path rules, the ones the request was routed on
   * @param rawPath the path as the client sent it
   */
  public static String forwardPath(Route route, RequestView view, RequestPath rules,
      String rawPath) {
    if (route.rewritesPath()) return route.rewritePath(view, rules);
    return view.path().isEmpty() ? "" : rules.forwarded(rawPath);
  }

  private static <R> R afterDelay(Fault fault, AttemptLoop loop, Forward<R> x) throws IOException {
    if (loop.isCanceled()) throw x.cancelled();
    if (fault.aborted()) return x.abort(fault.abortStatus());
    return x.attempts(loop);
  }

  private static final Step[] ORDER = STEPS.toArray(new Step[0]);
}
