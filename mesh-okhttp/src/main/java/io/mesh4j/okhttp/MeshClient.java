package io.mesh4j.okhttp;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import kotlin.jvm.functions.Function0;
import kotlin.reflect.KClass;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okio.AsyncTimeout;
import okio.Timeout;

/**
 * The client {@link MeshOkHttp#wrap} returns: the wrapped client plus the {@link MeshInterceptor},
 * and, when that interceptor is its only application interceptor, calls that go to the mesh
 * directly instead of through OkHttp's own call and the interceptor. An application interceptor
 * must return a {@code Response} from {@code intercept}, so an enqueued call that runs the
 * interceptor holds its dispatcher thread for every attempt and backoff; routed here
 * ({@link EnqueuedCall}), it holds none: attempts are {@code enqueue()}d on the attempt client,
 * waits are timers. An {@code execute()}d call runs its {@link MeshCall} on the caller's thread
 * without first running OkHttp's interceptor chain around it (each attempt is an OkHttp call of
 * its own), unless it has a call timeout, which OkHttp's own call enforces over the exchange.
 *
 * <p>A client derived with {@code newBuilder().build()} is a plain {@link OkHttpClient} with the
 * same interceptor: correct, but its {@code enqueue()} holds a dispatcher thread per call again.
 * Thread-safe.
 */
final class MeshClient extends OkHttpClient {
  private final MeshInterceptor mesh;
  private final boolean direct;

  MeshClient(OkHttpClient.Builder builder, MeshInterceptor mesh) {
    super(builder);
    this.mesh = mesh;
    this.direct = interceptors().size() == 1 && interceptors().get(0) == mesh;
  }

  @Override
  public Call newCall(Request request) {
    Call real = super.newCall(request);
    return direct ? new Direct(this, real) : real;
  }

  /**
   * A call of this client: OkHttp's own call {@code real}, except that {@code enqueue()} runs it
   * as an {@link EnqueuedCall} without the dispatcher, and {@code execute()} as a {@link MeshCall}
   * on the calling thread (through {@code real} when it has a call timeout). {@code real} still
   * carries the cancel flag, the call timeout, the tags and the event listeners; it is not
   * executed itself, so its listeners see the attempts' calls, not its own start and end.
   */
  private static final class Direct implements Call {
    private final MeshClient client;
    private final Call real;
    private static final AtomicIntegerFieldUpdater<Direct> EXECUTED =
        AtomicIntegerFieldUpdater.newUpdater(Direct.class, "executed");
    private volatile int executed;

    Direct(MeshClient client, Call real) {
      this.client = client;
      this.real = real;
    }

    @Override
    public Request request() {
      return real.request();
    }

    @Override
    public Response execute() throws IOException {
      if (!EXECUTED.compareAndSet(this, 0, 1)) throw new IllegalStateException("Already Executed");
      // OkHttp's call enforces a call timeout over the whole exchange, body included.
      if (real.timeout().timeoutNanos() > 0) return real.execute();
      MeshCall call = new MeshCall(client.mesh, client, real);
      call.listen();
      return call.run();
    }

    @Override
    public void enqueue(Callback callback) {
      if (!EXECUTED.compareAndSet(this, 0, 1)) throw new IllegalStateException("Already Executed");
      Timeout timeout = real.timeout();
      AsyncTimeout deadline = timeout instanceof AsyncTimeout a && timeout.timeoutNanos() > 0 ? a : null;
      Callback cb = callback;
      if (deadline != null) {
        // callTimeout: OkHttp's timeout cancels `real`, which the mesh call listens to.
        deadline.enter();
        cb = new Callback() {
          @Override
          public void onResponse(Call call, Response response) throws IOException {
            deadline.exit();
            callback.onResponse(call, response);
          }

          @Override
          public void onFailure(Call call, IOException e) {
            deadline.exit();
            callback.onFailure(call, e);
          }
        };
      }
      new EnqueuedCall(client.mesh, client, real, this, cb).start();
    }

    @Override
    public void cancel() {
      real.cancel();
    }

    @Override
    public boolean isExecuted() {
      return executed != 0;
    }

    @Override
    public boolean isCanceled() {
      return real.isCanceled();
    }

    @Override
    public Timeout timeout() {
      return real.timeout();
    }

    @Override
    public void addEventListener(EventListener listener) {
      real.addEventListener(listener);
    }

    @Override
    public <T> T tag(KClass<T> type) {
      return real.tag(type);
    }

    @Override
    public <T> T tag(Class<? extends T> type) {
      return real.tag(type);
    }

    @Override
    public <T> T tag(KClass<T> type, Function0<? extends T> computeIfAbsent) {
      return real.tag(type, computeIfAbsent);
    }

    @Override
    public <T> T tag(Class<T> type, Function0<? extends T> computeIfAbsent) {
      return real.tag(type, computeIfAbsent);
    }

    @Override
    public Call clone() {
      return new Direct(client, real.clone());
    }

    @Override
    public String toString() {
      return "Call{" + real.request().method() + " " + real.request().url() + "}";
    }
  }
}
