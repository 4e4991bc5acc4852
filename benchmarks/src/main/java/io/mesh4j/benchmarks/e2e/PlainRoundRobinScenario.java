package io.mesh4j.benchmarks.e2e;

import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;

/**
 * Scenario A, the floor: plain OkHttp and a hand-written round robin over the backend ports (one
 * shared {@link AtomicInteger}), one prebuilt request per port.
 */
final class PlainRoundRobinScenario implements Scenario {
  private final OkHttpClient client = HttpClients.newClient();
  private final Request[] requests;
  private final AtomicInteger next = new AtomicInteger();

  PlainRoundRobinScenario(int[] ports) {
    requests = new Request[ports.length];
    for (int i = 0; i < ports.length; i++) requests[i] = HttpClients.get("http://127.0.0.1:" + ports[i] + "/");
  }

  @Override
  public String key() {
    return "A";
  }

  @Override
  public String label() {
    return "plain OkHttp, hand-written round robin over the 3 ports";
  }

  @Override
  public Exchange newExchange() {
    byte[] buffer = new byte[8192];
    return () -> HttpClients.exchange(client, requests[Math.floorMod(next.getAndIncrement(), requests.length)], buffer);
  }

  @Override
  public void close() {
    HttpClients.shutdown(client);
  }
}
