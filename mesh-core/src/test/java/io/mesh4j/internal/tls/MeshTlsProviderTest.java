package io.mesh4j.internal.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigError;
import io.mesh4j.config.ConfigException;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.IdentitySourceConfig;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.identity.FixedIdentitySource;
import io.mesh4j.identity.IdentitySource;
import io.mesh4j.identity.IdentitySourceProvider;
import io.mesh4j.identity.TestPki;
import io.mesh4j.time.FakeTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * {@code identity_sources[].workload_api} entries made by an {@link IdentitySourceProvider}: the
 * error when none is on the class path (mesh-core's tests have no mesh-spiffe), a provider's
 * failure as a config error with nothing half-applied, and the mesh owning what it made.
 * mesh-spiffe's WorkloadApiYamlTest runs the real provider against a fake agent.
 */
class MeshTlsProviderTest {
  static final TestPki.Held CA = TestPki.ca("corp CA");

  final FakeTime time = new FakeTime();

  private static String config(String sources) {
    return """
        version: 1
        service: web
        clusters:
          - name: api
            endpoints: [127.0.0.1:8443]
            tls: { mode: mutual, source: agent }
        identity_sources:
        %s
        """.formatted(sources.strip().indent(2).stripTrailing());
  }

  private static final String AGENT = "- name: agent\n  workload_api: { socket: \"unix:///run/a.sock\" }";

  /** A source with a fixed identity that records whether it was closed, and its entry. */
  static final class FakeSource extends FixedIdentitySource {
    final IdentitySourceConfig entry;

    FakeSource(String name, IdentitySourceConfig entry) {
      super(name, CA, "spiffe://corp.test/web");
      this.entry = entry;
    }
  }

  /** Makes {@link FakeSource}s, or whatever {@code make} says; remembers each. */
  static final class FakeProvider implements IdentitySourceProvider {
    final List<FakeSource> made = new ArrayList<>();
    final Function<IdentitySourceConfig, IdentitySource> make;

    FakeProvider(Function<IdentitySourceConfig, IdentitySource> make) {
      this.make = make;
    }

    FakeProvider() {
      this(null);
    }

    @Override
    public String kind() {
      return WORKLOAD_API;
    }

    @Override
    public IdentitySource create(IdentitySourceConfig entry) {
      if (make != null) return make.apply(entry);
      FakeSource s = new FakeSource(entry.name(), entry);
      made.add(s);
      return s;
    }
  }

  private MeshTls tls(IdentitySourceProvider... providers) {
    return new MeshTls(Map.of(), () -> List.of(providers), time, Clock.systemUTC(),
        new SimpleMeterRegistry(), "web");
  }

  private static ConfigError singleError(Runnable r) {
    ConfigException e = catchThrowableOfType(ConfigException.class, r::run);
    assertThat(e).as("expected a ConfigException").isNotNull();
    assertThat(e.errors()).hasSize(1);
    return e.errors().get(0);
  }

  @Test
  void aWorkloadApiEntryWithoutMeshSpiffeOnTheClassPathFailsTheBuildAtItsPath() {
    MeshConfig c = ConfigLoader.load(config(AGENT));
    ConfigError e = singleError(() -> Mesh.builder().config(c).scheduler(time).build());
    assertThat(e.path()).isEqualTo("identity_sources[0].workload_api");
    assertThat(e.message()).isEqualTo("no identity source provider of kind workload_api on the"
        + " class path (expected: io.mesh4j:mesh-spiffe on the class path, which provides it)");
  }

  @Test
  void theProviderGetsTheEntryAndTheMeshOwnsTheSourceAcrossReloads() {
    FakeProvider provider = new FakeProvider();
    try (MeshTls tls = tls(provider)) {
      MeshConfig first = ConfigLoader.load(config(AGENT));
      tls.commit(tls.prepare(first));
      assertThat(provider.made).singleElement().satisfies(s -> {
        assertThat(s.entry).isEqualTo(first.identitySources().get(0));
        assertThat(s.entry.workloadApi().socket()).isEqualTo("unix:///run/a.sock");
      });
      FakeSource made = provider.made.get(0);
      assertThat(tls.source("agent")).isSameAs(made);
      assertThat(tls.client("api").source()).isSameAs(made);

      // Unchanged entry: the same source, no new one made.
      tls.commit(tls.prepare(ConfigLoader.load(config(AGENT) + "\n")));
      assertThat(provider.made).hasSize(1);
      assertThat(tls.source("agent")).isSameAs(made);
      assertThat(made.closed()).isFalse();

      // Changed entry: a new source, the old one closed once the new config is in force.
      tls.commit(tls.prepare(ConfigLoader.load(config(AGENT.replace("a.sock", "b.sock")))));
      assertThat(provider.made).hasSize(2);
      assertThat(made.closed()).isTrue();
      FakeSource second = provider.made.get(1);
      assertThat(tls.source("agent")).isSameAs(second);

      // Entry removed: closed.
      tls.commit(tls.prepare(ConfigLoader.load("version: 1\nservice: web\n")));
      assertThat(second.closed()).isTrue();
      assertThat(tls.sources()).isEmpty();
    }
  }

  @Test
  void closingTheMeshTlsClosesWhatItMade() {
    FakeProvider provider = new FakeProvider();
    MeshTls tls = tls(provider);
    tls.commit(tls.prepare(ConfigLoader.load(config(AGENT))));
    tls.close();
    assertThat(provider.made).singleElement().satisfies(s -> assertThat(s.closed()).isTrue());
  }

  @Test
  void aProviderThatThrowsIsAConfigErrorAndNothingIsHalfApplied() {
    List<FakeSource> made = new ArrayList<>();
    FakeProvider provider = new FakeProvider(entry -> {
      if (entry.workloadApi().socket().contains("down")) {
        throw new IllegalStateException("identity source " + entry.name() + ": no X.509 SVID"
            + " from " + entry.workloadApi().socket() + " within 200ms");
      }
      FakeSource s = new FakeSource(entry.name(), entry);
      made.add(s);
      return s;
    });
    try (MeshTls tls = tls(provider)) {
      tls.commit(tls.prepare(ConfigLoader.load(config(AGENT))));
      FakeSource inForce = made.get(0);
      ClusterTls api = tls.client("api");

      // A reload that adds a good entry and changes the one in force to an agent that is down.
      String reload = config("- name: extra\n  workload_api: { socket: \"unix:///run/x.sock\" }\n"
          + AGENT.replace("a.sock", "down.sock"));
      ConfigError e = singleError(() -> tls.prepare(ConfigLoader.load(reload)));
      assertThat(e.path()).isEqualTo("identity_sources[1].workload_api");
      assertThat(e.message()).isEqualTo("identity source agent: no X.509 SVID from"
          + " unix:///run/down.sock within 200ms");
      assertThat(made).hasSize(2);
      assertThat(made.get(1).closed()).as("the source the failed prepare made is closed").isTrue();
      assertThat(inForce.closed()).as("the source in force is kept").isFalse();
      assertThat(tls.source("agent")).isSameAs(inForce);
      assertThat(tls.source("extra")).isNull();
      assertThat(tls.client("api")).isSameAs(api);
    }
  }

  @Test
  void aProviderThatMakesNoUsableSourceIsRefused() {
    FakeSource wrongName = new FakeSource("other", null);
    ConfigError e = singleError(() -> tls(new FakeProvider(entry -> wrongName))
        .prepare(ConfigLoader.load(config(AGENT))));
    assertThat(e.path()).isEqualTo("identity_sources[0].workload_api");
    assertThat(e.message()).contains("made a source named \"other\"");
    assertThat(wrongName.closed()).as("closed, not leaked").isTrue();

    e = singleError(() -> tls(new FakeProvider(entry -> null))
        .prepare(ConfigLoader.load(config(AGENT))));
    assertThat(e.message()).contains("made no source");

    e = singleError(() -> tls(new FakeProvider(entry -> {
      throw new UnsupportedOperationException("boom");
    })).prepare(ConfigLoader.load(config(AGENT))));
    assertThat(e.message()).isEqualTo("identity source agent cannot be made:"
        + " java.lang.UnsupportedOperationException: boom");
  }

  @Test
  void twoProvidersOfOneKindAreAnError() {
    ConfigError e = singleError(() -> tls(new FakeProvider(), new FakeProvider())
        .prepare(ConfigLoader.load(config(AGENT))));
    assertThat(e.path()).isEqualTo("identity_sources[0].workload_api");
    assertThat(e.message()).contains("registered twice").contains(FakeProvider.class.getName());
  }
}
