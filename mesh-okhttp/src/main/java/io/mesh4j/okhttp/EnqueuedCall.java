package io.mesh4j.okhttp;

import io.mesh4j.internal.client.AttemptLoop;
import java.io.IOException;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * A mesh call {@code enqueue()}d on a {@link MeshClient}, run without holding a thread while it
 * waits: routing and the first step run on the enqueuing thread; each attempt is {@code
 * enqueue()}d ({@link AttemptLoop#start}); backoffs and fault delays are timers on the mesh's
 * scheduler; the steps after a wait continue on the thread that ended it (an OkHttp dispatcher
 * thread, or the scheduler's); a redirect starts the next pass there; a pass-through call is
 * {@code enqueue()}d on the wrapped client without the mesh. The caller's callback runs on an
 * OkHttp dispatcher thread, exactly once.
 */
final class EnqueuedCall extends MeshCall implements AttemptLoop.Completion<Response> {
  /** What an asynchronous step returns when its answer comes later. Never handed to a caller. */
  static final Response PENDING = new Response.Builder()
      .request(new Request.Builder().url("http://pending.invalid/").build())
      .protocol(okhttp3.Protocol.HTTP_1_1).code(599).message("pending").build();

  private final Callback callback;
  /** The call the callback is given (the one the caller holds). */
  private final Call reportAs;

  EnqueuedCall(MeshInterceptor owner, OkHttpClient client, Call outer, Call reportAs,
      Callback callback) {
    super(owner, client, outer);
    this.callback = callback;
    this.reportAs = reportAs;
  }

  /** Starts the call; its end goes to the callback. Routing runs on this thread, nothing waits. */
  void start() {
    listen();
    pass(request);
  }

  /** Runs passes until one is pending (it resumes in {@link #passDone}) or the call ends. */
  private void pass(Request next) {
    while (true) {
      reset(next);
      Response response;
      try {
        response = routeOnce();
      } catch (IOException | RuntimeException | Error e) {
        passDone(null, e);
        return;
      }
      if (response == PENDING) return;
      try {
        next = passEnded(response);
      } catch (IOException e) {
        deliver(null, e);
        return;
      }
      if (next == null) {
        deliver(response, null);
        return;
      }
    }
  }

  /** The pending part of an asynchronous pass ended (attempts, a fault delay, a pass-through). */
  private void passDone(Response response, Throwable failure) {
    if (failure != null) {
      if (policyRun != null) policyRun.complete(0, failure);
      deliver(null, failure);
      return;
    }
    if (response == PENDING) return;
    Request next;
    try {
      next = passEnded(response);
    } catch (IOException e) {
      deliver(null, e);
      return;
    }
    if (next == null) deliver(response, null);
    else pass(next);
  }

  /** The attempts of an asynchronous forward ended. Any thread. */
  @Override
  public void complete(Response response, Throwable failure) {
    mirror();
    forwarded(response, failure);
    passDone(response, failure);
  }

  /** The fault delay of an asynchronous forward ended and the steps after it ran. */
  @Override
  public void resumed(Response response, Throwable failure) {
    if (response != PENDING) forwarded(response, failure);
    passDone(response, failure);
  }

  @Override
  public Response pending() {
    return PENDING;
  }

  /**
   * Hands the call's end to the callback: on this thread when it is an OkHttp dispatcher thread
   * ending an attempt, else on the dispatcher's executor (never on the enqueuing thread or the
   * mesh's scheduler thread).
   */
  private void deliver(Response response, Throwable failure) {
    if (OkHttpTransport.onDispatcherThread()) {
      callBack(response, failure);
    } else {
      owner.attemptClients.base().dispatcher().executorService()
          .execute(() -> callBack(response, failure));
    }
  }

  private void callBack(Response response, Throwable failure) {
    try {
      if (failure == null) {
        callback.onResponse(reportAs, response);
      } else {
        IOException e = failure instanceof IOException io ? io
            : new IOException("canceled due to " + failure, failure);
        callback.onFailure(reportAs, e);
      }
    } catch (IOException | RuntimeException e) {
      owner.callbackFailed(reportAs, e);
    }
  }

  @Override
  public Response leave() {
    passthrough = true;
    Call c = owner.passThrough.newCall(request);
    leaving = c;
    if (isCanceled()) c.cancel();
    c.enqueue(new Callback() {
      @Override
      public void onResponse(Call call, Response response) {
        OkHttpTransport.dispatching(+1);
        try {
          passDone(response, null);
        } finally {
          OkHttpTransport.dispatching(-1);
        }
      }

      @Override
      public void onFailure(Call call, IOException e) {
        OkHttpTransport.dispatching(+1);
        try {
          passDone(null, e);
        } finally {
          OkHttpTransport.dispatching(-1);
        }
      }
    });
    return PENDING;
  }

  @Override
  public Response attempts(AttemptLoop attempts) {
    attempts.start(sendTarget, method, hasIdempotencyKey(), replayable(), transport(true), this);
    return PENDING;
  }
}
