package io.mesh4j.internal.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.internal.fault.FaultInjector;
import io.mesh4j.route.RequestView;
import io.mesh4j.route.Route;
import io.mesh4j.route.RouteAction;
import io.mesh4j.route.RouteMatch;
import io.mesh4j.time.FakeTime;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The outbound pipeline without any client: the adapter's part is a request view and an {@link
 * OutboundPipeline.Exchange} that records which decision it was asked to carry out. Client-level
 * behaviour (meters, exceptions, redirects) is tested in mesh-okhttp.
 */
class OutboundPipelineTest {
  static final String CONFIG =
      """
      version: 1
      service: shop
      clusters:
        - name: inventory
          endpoints: [{ address: 127.0.0.1:9001 }]
      outbound:
        virtual_hosts:
          - name: inventory
            routes:
              - name: down
                match: { prefix: /down }
                respond: { status: 503, body: "down" }
              - name: broken
                match: { prefix: /broken }
                fault: { abort: { status: 502, percent: 100 } }
                to: inventory
              - name: slow
                match: { prefix: /slow }
                fault: { delay: { fixed: 1s, percent: 100 } }
                to: inventory
              - name: api
                match: { prefix: /api/ }
                to: inventory
      """;

  final FakeTime time = new FakeTime();
  final Mesh mesh = Mesh.builder().config(ConfigLoader.load(CONFIG)).ticker(time).scheduler(time)
      .build();
  final Recorder x = new Recorder();

  @AfterEach
  void close() {
    mesh.close();
  }

  @Test
  void theStepsAreDeclaredOnceAndAForwardRunsTheFaultBeforeTheAttempts() {
    assertThat(OutboundPipeline.STEPS).containsExactly(OutboundPipeline.Step.ROUTE,
        OutboundPipeline.Step.PATH, OutboundPipeline.Step.POLICIES, OutboundPipeline.Step.ACTION);
    assertThat(OutboundPipeline.FORWARD_STEPS)
        .containsExactly(OutboundPipeline.Step.FAULT, OutboundPipeline.Step.ATTEMPTS);
  }

  @Test
  void aHostOutsideTheMeshLeavesItWhateverThePath() throws IOException {
    assertThat(decide("example.com", "")).isEqualTo("leave");
  }

  @Test
  void anInvalidPathIsRefusedBeforeNoRouteSoTheRefusalIsNamed() throws IOException {
    assertThat(decide("inventory", "")).isEqualTo("invalid-path NO_ROUTE");
    assertThat(decide("inventory", "/nowhere")).isEqualTo("no-route inventory");
  }

  @Test
  void eachActionGoesToItsOwnDecision() throws IOException {
    assertThat(decide("inventory", "/down")).isEqualTo("answer down RESPOND");
    assertThat(decide("inventory", "/api/x")).isEqualTo("forward api inventory");
  }

  @Test
  void aFaultAbortAnswersWithoutAnyAttempt() throws IOException {
    assertThat(forward("/broken")).isEqualTo("abort 502");
    assertThat(x.calls).doesNotContain("attempts");
  }

  @Test
  void aCancelDuringTheFaultDelayFailsWithoutAnyAttempt() {
    AttemptLoop loop = loop();
    loop.cancel();
    assertThatThrownBy(() -> OutboundPipeline.forward(fault("/slow"), loop, x))
        .hasMessage("cancelled");
    assertThat(x.calls).containsExactly("fault-delayed");
  }

  @Test
  void withoutAFaultTheAttemptsRun() throws IOException {
    assertThat(forward("/api/x")).isEqualTo("attempts");
  }

  private String decide(String authority, String path) throws IOException {
    return OutboundPipeline.decide(mesh.current().outbound(), view(authority, path), x);
  }

  private String forward(String path) throws IOException {
    return OutboundPipeline.forward(fault(path), loop(), x);
  }

  private io.mesh4j.internal.fault.Fault fault(String path) {
    Route route = mesh.current().outbound().match(view("inventory", path)).route();
    return FaultInjector.of(route.fault()).decide();
  }

  private AttemptLoop loop() {
    return new AttemptLoop(null, time, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC), time);
  }

  static RequestView view(String authority, String path) {
    return new RequestView() {
      @Override public String method() {
        return "GET";
      }

      @Override public String scheme() {
        return "http";
      }

      @Override public String authority() {
        return authority;
      }

      @Override public String path() {
        return path;
      }

      @Override public String query() {
        return null;
      }

      @Override public String header(String name) {
        return null;
      }

      @Override public String sourceAddress() {
        return null;
      }
    };
  }

  /** Names the decision the pipeline asked for. */
  static final class Recorder
      implements OutboundPipeline.Exchange<String>, OutboundPipeline.Forward<String> {
    final List<String> calls = new ArrayList<>();

    @Override public String leave() {
      return "leave";
    }

    @Override public String invalidPath(RouteMatch match) {
      return "invalid-path " + match.outcome();
    }

    @Override public String noRoute(String virtualHost) {
      return "no-route " + virtualHost;
    }

    @Override public String policies(Route route) {
      return null;
    }

    @Override public String answer(Route route, RouteAction action) {
      return "answer " + route.name() + " " + action.kind();
    }

    @Override public String forward(Route route, String cluster) {
      return "forward " + route.name() + " " + cluster;
    }

    @Override public void faultDelayed() {
      calls.add("fault-delayed");
    }

    @Override public IOException cancelled() {
      return new IOException("cancelled");
    }

    @Override public String abort(int status) {
      return "abort " + status;
    }

    @Override public String attempts(AttemptLoop loop) {
      calls.add("attempts");
      return "attempts";
    }
  }
}
