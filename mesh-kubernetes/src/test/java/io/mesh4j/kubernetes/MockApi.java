package io.mesh4j.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.util.HashMap;

/**
 * A fabric8 mock API server in CRUD mode and a client of it, for one test class (what
 * {@code @EnableKubernetesMockClient(crud = true)} made, with a teardown that does not fail a
 * class whose tests passed).
 */
final class MockApi implements AutoCloseable {
  final KubernetesMockServer server;
  final KubernetesClient client;

  MockApi() {
    server = new KubernetesMockServer(
        new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
    server.init();
    client = server.createClient();
  }

  /**
   * Closes the client, then the server. The server's close waits for open connections (10 s,
   * fabric8's limit) while the Vert.x client closes its connections asynchronously, so now and
   * then, on a loaded machine, a watch connection of the already-closed client was still open at
   * that moment and the class failed in its teardown after every assertion had passed (CI once;
   * locally 1 run in 4, then again after closing the client first). That timeout is reported on
   * stderr; any other close error fails.
   */
  @Override
  public void close() {
    client.close();
    try {
      server.destroy();
    } catch (IllegalStateException e) {
      if (e.getMessage() == null || !e.getMessage().startsWith("Unable to close")) throw e;
      System.err.println("mesh4j test: mock API server: " + e.getMessage()
          + " (a closed client's connection was still draining)");
    }
  }
}
