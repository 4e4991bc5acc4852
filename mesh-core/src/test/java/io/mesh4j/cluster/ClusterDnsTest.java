package io.mesh4j.cluster;

import io.mesh4j.internal.cluster.ClusterRegistry;
import static io.mesh4j.cluster.Fixtures.cluster;
import static io.mesh4j.cluster.Fixtures.ep;
import static io.mesh4j.cluster.Harness.endpoint;
import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.endpoint.DnsResolver;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.endpoint.EndpointSources;
import io.mesh4j.endpoint.Failure;
import io.mesh4j.time.FakeTime;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ClusterDnsTest {
  private final FakeTime time = new FakeTime();
  private final Map<String, List<String>> answers = new ConcurrentHashMap<>();
  private final DnsResolver resolver =
      host -> {
        List<String> ips = answers.get(host);
        if (ips == null) throw new UnknownHostException(host);
        InetAddress[] out = new InetAddress[ips.size()];
        for (int i = 0; i < out.length; i++) out[i] = InetAddress.getByName(ips.get(i));
        return out;
      };
  private final RecordingPickerFactory pickers = new RecordingPickerFactory();
  private final ClusterRegistry registry =
      ClusterRegistry.builder()
          .scheduler(time)
          .ticker(time)
          .pickerFactories(c -> pickers)
          .endpointSources(EndpointSources.standard(resolver, Duration.ofSeconds(5), time, Runnable::run))
          .build();

  @AfterEach
  void close() {
    registry.close();
  }

  @Test
  void aDnsNameBecomesOneEndpointPerAddressAndUnchangedAddressesKeepTheirState() {
    answers.put("inv.internal", List.of("10.0.0.1", "10.0.0.2"));
    registry.apply(List.of(cluster("inv").endpoints(ep("inv.internal:8080", 3)).build()));
    Cluster c = registry.cluster("inv");
    Endpoint kept = endpoint(c, "10.0.0.2:8080");
    c.onOutcome(kept, 200, Failure.NONE, 1);
    assertThat(pickers.last().weightList()).containsExactly(3, 3);

    answers.put("inv.internal", List.of("10.0.0.2", "10.0.0.3"));
    time.advance(Duration.ofSeconds(5));

    assertThat(c.endpoints()).extracting(Endpoint::address).containsExactly("10.0.0.2:8080", "10.0.0.3:8080");
    assertThat(endpoint(c, "10.0.0.2:8080")).isSameAs(kept);
    assertThat(c.status(kept).successes()).isEqualTo(1);
  }

  @Test
  void aFailingLookupKeepsTheClustersEndpoints() {
    answers.put("inv.internal", List.of("10.0.0.1", "10.0.0.2"));
    registry.apply(List.of(cluster("inv").endpoints(ep("inv.internal:8080", 1)).build()));
    Cluster c = registry.cluster("inv");
    int builds = pickers.count();

    answers.remove("inv.internal");
    time.advance(Duration.ofSeconds(30));

    assertThat(c.endpoints()).extracting(Endpoint::address).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    assertThat(pickers.count()).isEqualTo(builds);
  }

  @Test
  void aReloadThatAddsANameResolvesIt() {
    answers.put("a.internal", List.of("10.0.0.1"));
    answers.put("b.internal", List.of("10.0.1.1"));
    registry.apply(List.of(cluster("inv").endpoints(ep("a.internal:80", 1)).build()));
    Cluster c = registry.cluster("inv");
    Endpoint a = endpoint(c, "10.0.0.1:80");

    registry.apply(List.of(cluster("inv").endpoints(ep("a.internal:80", 1), ep("b.internal:80", 1)).build()));

    assertThat(c.endpoints()).extracting(Endpoint::address).containsExactly("10.0.0.1:80", "10.0.1.1:80");
    assertThat(endpoint(c, "10.0.0.1:80")).isSameAs(a);
  }
}
