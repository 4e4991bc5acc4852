package io.mesh4j.xds;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A consistent snapshot of an {@link XdsClient}'s state, as {@code /mesh/config} shows it under
 * {@code config_sources.xds}. Immutable.
 *
 * @param server the control plane, {@code host:port}
 * @param nodeId the node id presented
 * @param state the connection state
 * @param stateSince when the state last changed (the mesh's clock)
 * @param streams ADS streams opened so far (1 + reconnect attempts)
 * @param types per resource type ({@code Listener}, {@code RouteConfiguration}, {@code Cluster},
 *     {@code ClusterLoadAssignment}, in that order) what is in force
 * @param waitingFor resources subscribed but not received yet, which hold back an update
 *     ({@code RouteConfiguration outbound-routes}); empty when nothing is held back
 * @param lastNack the last rejected response, or {@code null}
 * @param applied how many xDS updates were applied to the mesh
 * @param lastAppliedAt when the last one was applied, or {@code null}
 * @param overriddenByFile xDS clusters and virtual hosts replaced by same-named ones from the
 *     file ({@code cluster inventory}, {@code outbound virtual host api})
 * @param missingClusters clusters the outbound routes name but the control plane has not sent;
 *     they are in force with no endpoints (requests to them fail with "no endpoint", as Envoy's
 *     "cluster not found") until they arrive
 */
public record XdsStatus(
    String server,
    String nodeId,
    State state,
    Instant stateSince,
    long streams,
    Map<String, TypeStatus> types,
    List<String> waitingFor,
    Nack lastNack,
    long applied,
    Instant lastAppliedAt,
    List<String> overriddenByFile,
    List<String> missingClusters) {

  public XdsStatus {
    missingClusters = List.copyOf(missingClusters);
    types = Collections.unmodifiableMap(new LinkedHashMap<>(types));
    waitingFor = List.copyOf(waitingFor);
    overriddenByFile = List.copyOf(overriddenByFile);
  }

  /** The connection to the control plane. */
  public enum State {
    /** A stream was opened; no response on it yet. */
    CONNECTING,
    /** The stream delivered at least one response. */
    CONNECTED,
    /** The stream failed; waiting (exponential backoff, full jitter) before the next attempt. */
    BACKOFF,
    /** {@link XdsClient#close()} was called. */
    CLOSED
  }

  /**
   * What is in force for one resource type.
   *
   * @param version the version_info last ACKed ({@code ""} before the first)
   * @param nonce the nonce of the response last ACKed ({@code ""} before the first)
   * @param subscribed the names subscribed; empty means all (wildcard)
   * @param resources how many resources of the type are in force
   */
  public record TypeStatus(String version, String nonce, List<String> subscribed, int resources) {
    public TypeStatus {
      subscribed = List.copyOf(subscribed);
    }
  }

  /**
   * A rejected (NACKed) response.
   *
   * @param type the resource type short name
   * @param version the rejected version_info
   * @param nonce the rejected response's nonce
   * @param detail the error_detail message sent
   * @param at when (the mesh's clock)
   * @param repeats how many times this same version was sent again and rejected again (those
   *     NACKs are delayed by the reconnect backoff)
   */
  public record Nack(String type, String version, String nonce, String detail, Instant at,
      int repeats) {}

  /** The status as a JSON-like tree (see {@link io.mesh4j.ConfigSourceStatus}). */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("server", server);
    m.put("node_id", nodeId);
    m.put("state", state.name().toLowerCase(Locale.ROOT));
    m.put("state_since", stateSince.toString());
    m.put("streams", streams);
    Map<String, Object> t = new LinkedHashMap<>();
    types.forEach((k, v) -> {
      Map<String, Object> n = new LinkedHashMap<>();
      n.put("version", v.version());
      n.put("nonce", v.nonce());
      n.put("subscribed", v.subscribed().isEmpty() ? "*" : new ArrayList<Object>(v.subscribed()));
      n.put("resources", v.resources());
      t.put(k, n);
    });
    m.put("types", t);
    m.put("waiting_for", new ArrayList<Object>(waitingFor));
    if (lastNack == null) {
      m.put("last_nack", null);
    } else {
      Map<String, Object> n = new LinkedHashMap<>();
      n.put("type", lastNack.type());
      n.put("version", lastNack.version());
      n.put("nonce", lastNack.nonce());
      n.put("detail", lastNack.detail());
      n.put("at", lastNack.at().toString());
      n.put("repeats", lastNack.repeats());
      m.put("last_nack", n);
    }
    m.put("applied", applied);
    m.put("last_applied_at", lastAppliedAt == null ? null : lastAppliedAt.toString());
    m.put("overridden_by_file", new ArrayList<Object>(overriddenByFile));
    m.put("missing_clusters", new ArrayList<Object>(missingClusters));
    return m;
  }
}
