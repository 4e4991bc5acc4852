package io.mesh4j.okhttp;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Protocol;

/**
 * A real backend on 127.0.0.1: a MockWebServer whose answers come from a queue of scripted
 * responses, then from a default; it records every request it received.
 */
final class Backend implements AutoCloseable {
  final MockWebServer server = new MockWebServer();
  final List<RecordedRequest> received = new CopyOnWriteArrayList<>();
  private volatile LinkedBlockingQueue<MockResponse> script = new LinkedBlockingQueue<>();
  private volatile Function<RecordedRequest, MockResponse> fallback =
      r -> new MockResponse.Builder().code(200).body("ok").build();

  Backend() {
    this(false);
  }

  Backend(boolean h2c) {
    if (h2c) server.setProtocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE));
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            received.add(request);
            MockResponse next = script.poll();
            return next != null ? next : fallback.apply(request);
          }

          @Override
          public MockResponse peek() {
            MockResponse next = script.peek();
            return next != null ? next : new MockResponse.Builder().build();
          }
        });
    try {
      server.start(InetAddress.getByName("127.0.0.1"), 0);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Shares {@code other}'s script: the next scripted response goes to whichever gets a request first. */
  Backend sharingScriptWith(Backend other) {
    this.script = other.script;
    return this;
  }

  /** Answer the next request with {@code response}. */
  Backend enqueue(MockResponse response) {
    script.add(response);
    return this;
  }

  /** Answer requests with no scripted response this way. */
  Backend otherwise(Function<RecordedRequest, MockResponse> f) {
    this.fallback = f;
    return this;
  }

  /** Answer requests with no scripted response with this status and body. */
  Backend otherwise(int code, String body) {
    return otherwise(r -> new MockResponse.Builder().code(code).body(body).build());
  }

  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  int port() {
    return server.getPort();
  }

  /**
   * Requests that reached the application: read completely (headers and body). MockWebServer also
   * dispatches a header-less bookkeeping request for a connection it closes before reading
   * anything; those are not counted.
   */
  int count() {
    int n = 0;
    for (RecordedRequest r : received) {
      if (r.getHeaders().size() > 0 && r.getFailure() == null) n++;
    }
    return n;
  }

  RecordedRequest take() throws InterruptedException {
    RecordedRequest r = server.takeRequest(5, TimeUnit.SECONDS);
    if (r == null) throw new AssertionError("no request arrived at " + address());
    return r;
  }

  @Override
  public void close() {
    server.close();
  }
}
