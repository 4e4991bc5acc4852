package io.mesh4j.spring.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code mesh4j.*} application properties. Every part of the auto-configuration can be switched
 * off here, and each also backs off when the application defines its own bean of that type. The
 * mesh's own rules live in the mesh config file ({@link #getConfig()}), never in these properties.
 *
 * <p>Bound once at startup; mutable only for Spring's binder.
 */
@ConfigurationProperties(prefix = "mesh4j")
public class MeshProperties {

  /** Whether to configure mesh4j at all; false creates no mesh4j bean. */
  private boolean enabled = true;

  /**
   * Where the mesh config (YAML or JSON) is read from: a Spring resource location such as
   * classpath:mesh.yaml or file:/etc/mesh4j/mesh.yaml.
   */
  private String config = "classpath:mesh.yaml";

  /**
   * How often the config file is polled for changes; 0 turns watching off. Only a config that is
   * a file on disk can be watched (file: locations, or classpath entries in an exploded
   * directory).
   */
  private Duration watch = Duration.ZERO;

  private final OkHttp okhttp = new OkHttp();
  private final Toggle restClient = new Toggle();
  private final Toggle restTemplate = new Toggle();
  private final Filter filter = new Filter();
  private final Health health = new Health();
  private final Shutdown shutdown = new Shutdown();
  private final Tracing tracing = new Tracing();
  private final ServerTls serverTls = new ServerTls();

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getConfig() {
    return config;
  }

  public void setConfig(String config) {
    this.config = config;
  }

  public Duration getWatch() {
    return watch;
  }

  public void setWatch(Duration watch) {
    this.watch = watch;
  }

  public OkHttp getOkhttp() {
    return okhttp;
  }

  public Toggle getRestClient() {
    return restClient;
  }

  public Toggle getRestTemplate() {
    return restTemplate;
  }

  public Filter getFilter() {
    return filter;
  }

  public Health getHealth() {
    return health;
  }

  public Shutdown getShutdown() {
    return shutdown;
  }

  public Tracing getTracing() {
    return tracing;
  }

  public ServerTls getServerTls() {
    return serverTls;
  }

  /** A part that is on unless switched off. */
  public static class Toggle {
    /** Whether this part is configured. */
    private boolean enabled = true;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }

  /** The OkHttp client side. */
  public static class OkHttp extends Toggle {
    /**
     * Whether mesh.client.attempts is tagged with the endpoint address too (one series per
     * endpoint).
     */
    private boolean perEndpointMetrics;

    public boolean isPerEndpointMetrics() {
      return perEndpointMetrics;
    }

    public void setPerEndpointMetrics(boolean perEndpointMetrics) {
      this.perEndpointMetrics = perEndpointMetrics;
    }
  }

  /** The inbound MeshFilter. */
  public static class Filter extends Toggle {
    /**
     * The filter's order among the servlet filters; the default runs it before Spring Security's
     * filter chain (-100) and Boot's request-context filter (-105).
     */
    private int order = MeshServletAutoConfiguration.DEFAULT_FILTER_ORDER;

    public int getOrder() {
      return order;
    }

    public void setOrder(int order) {
      this.order = order;
    }
  }

  /** The Actuator health indicator. */
  public static class Health extends Toggle {
    /**
     * Clusters that must have at least one usable (healthy, not ejected) endpoint for the
     * application to report UP; empty (the default) never reports DOWN for clusters.
     */
    private List<String> requiredClusters = new ArrayList<>();

    public List<String> getRequiredClusters() {
      return requiredClusters;
    }

    public void setRequiredClusters(List<String> requiredClusters) {
      this.requiredClusters = requiredClusters;
    }
  }

  /** Draining when the application context stops. */
  public static class Shutdown extends Toggle {
    /**
     * How long the mesh drains (health endpoint 503, x-mesh-draining on every response) before the
     * web server's graceful shutdown stops accepting requests. Make it at least the callers'
     * health-check interval.
     */
    private Duration drainDelay = Duration.ofSeconds(2);

    public Duration getDrainDelay() {
      return drainDelay;
    }

    public void setDrainDelay(Duration drainDelay) {
      this.drainDelay = drainDelay;
    }
  }

  /** Tracing through OpenTelemetry. */
  public static class Tracing {
    /**
     * Whether the mesh traces: with mesh-opentelemetry and an OpenTelemetry bean, through
     * MeshOpenTelemetry; or through the application's own MeshTracer bean. False: no spans at all,
     * even with a MeshTracer bean.
     */
    private boolean enabled = true;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }

  /** The embedded web server's TLS from the mesh config's inbound.tls. */
  public static class ServerTls {
    /**
     * Whether the embedded Tomcat or Jetty serves Mesh.serverTls() (the rotating workload
     * certificate, client certificates required in strict mode, requested in permissive) when the
     * mesh config has inbound.tls. Set it to false to terminate TLS elsewhere or with server.ssl.*;
     * with it on, server.ssl.* and inbound.tls together fail the startup.
     */
    private boolean enabled = true;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }
  }
}
