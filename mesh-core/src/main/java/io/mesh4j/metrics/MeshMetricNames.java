package io.mesh4j.metrics;

/**
 * Every metric name and tag key mesh4j's endpoint registry publishes, in one place. Meters are
 * created when a cluster or endpoint appears and removed when it goes away; none is looked up per
 * request.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>value</th></tr>
 *   <tr><td>{@value #ENDPOINTS}</td><td>gauge</td><td>cluster</td><td>endpoints in the cluster</td></tr>
 *   <tr><td>{@value #ENDPOINT_HEALTHY}</td><td>gauge</td><td>cluster</td><td>endpoints passing active health checks (all, when none are configured)</td></tr>
 *   <tr><td>{@value #ENDPOINT_EJECTED}</td><td>gauge</td><td>cluster</td><td>endpoints ejected right now (enforced ejections only)</td></tr>
 *   <tr><td>{@value #ENDPOINT_USABLE}</td><td>gauge</td><td>cluster</td><td>endpoints healthy and not ejected</td></tr>
 *   <tr><td>{@value #PANIC}</td><td>gauge</td><td>cluster</td><td>1 while the cluster is in panic mode, else 0</td></tr>
 *   <tr><td>{@value #OUTLIER_EJECTIONS}</td><td>counter</td><td>cluster, kind, reason</td><td>ejections detected / enforced</td></tr>
 *   <tr><td>{@value #HEALTH_CHECKS}</td><td>counter</td><td>cluster, result</td><td>completed active checks</td></tr>
 *   <tr><td>{@value #HEALTH_PROBE_ERRORS}</td><td>counter</td><td>cluster</td><td>checks whose probe threw or failed (also counted as failed checks)</td></tr>
 *   <tr><td>{@value #ATTEMPTS}</td><td>timer</td><td>cluster, outcome</td><td>reported attempts and their latency</td></tr>
 *   <tr><td>{@value #ENDPOINT_ATTEMPTS}</td><td>function counter</td><td>cluster, endpoint, outcome</td><td>reported attempts per endpoint</td></tr>
 *   <tr><td>{@value #SERVER_REQUESTS}</td><td>timer</td><td>service, route, status, outcome</td><td>requests the servlet filter handled, once each, with their latency</td></tr>
 *   <tr><td>{@value #SERVER_RATELIMITED}</td><td>counter</td><td>service, route</td><td>requests the servlet filter answered 429 (route rate limit)</td></tr>
 *   <tr><td>{@value #POLICY_ERRORS}</td><td>counter</td><td>policy, side, phase</td><td>request policies that threw, contained as their failure mode says</td></tr>
 *   <tr><td>{@value #SERVER_DENIED}</td><td>counter</td><td>service, rule</td><td>requests the servlet filter answered 403 (authz), by deciding rule</td></tr>
 *   <tr><td>{@value #SERVER_PATH_REFUSED}</td><td>counter</td><td>service, reason</td><td>requests the servlet filter answered 400 because their path has no safe canonical form</td></tr>
 *   <tr><td>{@value #SERVER_OVERLOADED}</td><td>counter</td><td>service</td><td>requests the servlet filter shed with 503 + {@code x-mesh-overloaded} ({@code inbound.concurrency_limit})</td></tr>
 *   <tr><td>{@value #SERVER_CONCURRENCY_LIMIT}</td><td>gauge</td><td>service</td><td>the current adaptive concurrency limit</td></tr>
 *   <tr><td>{@value #SERVER_CONCURRENCY_INFLIGHT}</td><td>gauge</td><td>service</td><td>requests the limit admitted and not yet completed</td></tr>
 * </table>
 *
 * <p>The OkHttp client adapter (mesh-okhttp) adds:
 *
 * <table>
 *   <caption>Client meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>value</th></tr>
 *   <tr><td>{@value #CLIENT_REQUESTS}</td><td>timer</td><td>service, route, cluster, status_class, outcome</td><td>mesh calls, from routing to the final response headers or failure</td></tr>
 *   <tr><td>{@value #CLIENT_ATTEMPTS}</td><td>counter</td><td>service, route, cluster (endpoint, opt-in)</td><td>attempts sent to endpoints, retries included</td></tr>
 *   <tr><td>{@value #CLIENT_RETRIES}</td><td>counter</td><td>service, route, cluster, reason</td><td>retries made, by the condition that allowed them</td></tr>
 *   <tr><td>{@value #CLIENT_RETRY_BUDGET_EXHAUSTED}</td><td>counter</td><td>service, cluster</td><td>retries (and hedges) refused by the retry budget</td></tr>
 *   <tr><td>{@value #CLIENT_HEDGES}</td><td>counter</td><td>service, cluster</td><td>hedged attempts sent (route {@code hedge})</td></tr>
 *   <tr><td>{@value #CLIENT_LAST_RESORT}</td><td>counter</td><td>service, cluster</td><td>attempts sent to an ejected endpoint because every usable one had failed the request before it left</td></tr>
 *   <tr><td>{@value #CLIENT_CIRCUIT_STATE}</td><td>gauge</td><td>service, cluster</td><td>0 closed, 1 half-open, 2 open</td></tr>
 *   <tr><td>{@value #CLIENT_CIRCUIT_ACTIVE}</td><td>gauge</td><td>service, cluster</td><td>attempts holding a concurrency slot</td></tr>
 *   <tr><td>{@value #CLIENT_CIRCUIT_REJECTED}</td><td>counter</td><td>service, cluster, reason</td><td>attempts refused by the breaker or the concurrency limit</td></tr>
 *   <tr><td>{@value #CLIENT_CONCURRENCY_LIMIT}</td><td>gauge</td><td>service, cluster</td><td>the cluster's concurrency limit: {@code max_concurrent_requests}, or the current adaptive limit</td></tr>
 *   <tr><td>{@value #CLIENT_OVERLOADED}</td><td>counter</td><td>service, cluster</td><td>attempts an upstream shed with 503 + {@code x-mesh-overloaded} (not outlier or breaker failures)</td></tr>
 *   <tr><td>{@value #CLIENT_MIRROR}</td><td>counter</td><td>service, cluster, result</td><td>shadow copies sent, dropped or failed</td></tr>
 *   <tr><td>{@value #CLIENT_FAULTS}</td><td>counter</td><td>service, route, kind</td><td>injected delays and aborts</td></tr>
 * </table>
 *
 * <p>The gateway (mesh-gateway) adds:
 *
 * <table>
 *   <caption>Gateway meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>value</th></tr>
 *   <tr><td>{@value #GATEWAY_HEADERS_REMOVED}</td><td>counter</td><td>service, reason</td><td>request header lines not forwarded: {@code underscore} (a name with {@code _}, {@code drop_header}), {@code untrusted_forwarded} ({@code Forwarded} / {@code X-Real-IP} from a peer that is not a trusted proxy)</td></tr>
 *   <tr><td>{@value #GATEWAY_REJECTED}</td><td>counter</td><td>service, reason</td><td>requests answered 400 instead of forwarded: {@code underscore} ({@code reject_request}), {@code bad_request} (a request the HTTP client cannot express)</td></tr>
 * </table>
 *
 * <p>Workload identity and mutual TLS ({@code identity_sources}, {@code tls}, {@code inbound.tls})
 * add:
 *
 * <table>
 *   <caption>TLS meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>value</th></tr>
 *   <tr><td>{@value #IDENTITY_EXPIRY}</td><td>gauge</td><td>source</td><td>seconds until the source's current certificate expires (negative once expired)</td></tr>
 *   <tr><td>{@value #IDENTITY_ROTATIONS}</td><td>counter</td><td>source</td><td>new identities taken from the source</td></tr>
 *   <tr><td>{@value #TLS_PEER_REFUSED}</td><td>counter</td><td>cluster</td><td>handshakes in which the client refused a server: identity not allowed, chain not trusted or expired</td></tr>
 *   <tr><td>{@value #SERVER_PEER_AUTHN}</td><td>counter</td><td>service, mode, peer</td><td>requests the servlet filter saw, by {@code inbound.tls} mode and how the peer was authenticated: {@code mtls}, {@code tls} (no client certificate) or {@code plaintext}; {@code strict} answers the last two 403</td></tr>
 *   <tr><td>{@value #SERVER_TLS_REFUSED}</td><td>counter</td><td>source</td><td>handshakes in which {@code Mesh.serverTls()} refused a client certificate</td></tr>
 * </table>
 *
 * <p>An attempt's outcome is {@code success} when a response below 500 arrived and {@code failure}
 * for a 5xx or a transport failure; cancelled attempts are not counted.
 */
public final class MeshMetricNames {
  private MeshMetricNames() {}

  /** Gauge: endpoints in a cluster. */
  public static final String ENDPOINTS = "mesh.cluster.endpoints";
  /** Gauge: endpoints of a cluster passing active health checks. */
  public static final String ENDPOINT_HEALTHY = "mesh.endpoint.healthy";
  /** Gauge: endpoints of a cluster ejected right now. */
  public static final String ENDPOINT_EJECTED = "mesh.endpoint.ejected";
  /** Gauge: endpoints of a cluster both healthy and not ejected. */
  public static final String ENDPOINT_USABLE = "mesh.endpoint.usable";
  /** Gauge: 1 while the cluster is in panic mode. */
  public static final String PANIC = "mesh.cluster.panic";
  /** Counter: outlier ejections, tagged {@link #TAG_KIND} and {@link #TAG_REASON}. */
  public static final String OUTLIER_EJECTIONS = "mesh.outlier.ejections";
  /** Counter: completed active health checks, tagged {@link #TAG_RESULT}. */
  public static final String HEALTH_CHECKS = "mesh.health.checks";
  /** Counter: active checks whose probe threw or completed exceptionally. */
  public static final String HEALTH_PROBE_ERRORS = "mesh.health.probe.errors";
  /** Timer: attempts reported to a cluster, tagged {@link #TAG_OUTCOME}. */
  public static final String ATTEMPTS = "mesh.cluster.attempts";
  /** Function counter: attempts reported per endpoint, tagged {@link #TAG_OUTCOME}. */
  public static final String ENDPOINT_ATTEMPTS = "mesh.endpoint.attempts";

  /**
   * Timer: inbound requests the servlet filter handled, tagged {@link #TAG_SERVICE}, {@link
   * #TAG_ROUTE}, {@link #TAG_STATUS} and {@link #TAG_OUTCOME} (one of the {@code OUTCOME_*}
   * values). Each request is recorded once, when its response is complete.
   */
  public static final String SERVER_REQUESTS = "mesh.server.requests";
  /** Counter: inbound requests rejected with 429 by a route's rate limit, tagged service, route. */
  public static final String SERVER_RATELIMITED = "mesh.server.ratelimited";
  /** Counter: inbound requests denied with 403 by authz, tagged service, {@link #TAG_RULE}. */
  public static final String SERVER_DENIED = "mesh.server.denied";
  /**
   * Counter: inbound requests answered 400 because their path was refused ({@code
   * path_normalization}), tagged service, {@link #TAG_REASON} (a {@code PathRefusal} tag such as
   * {@code escaped-slash}, {@code above-root}, {@code dispatch-mismatch}). Not also counted in
   * {@link #SERVER_REQUESTS}: no route was chosen.
   */
  public static final String SERVER_PATH_REFUSED = "mesh.server.path.refused";
  /**
   * Counter: inbound requests shed with 503 and {@code x-mesh-overloaded: true} because the
   * adaptive concurrency limit ({@code inbound.concurrency_limit}) was reached, tagged service.
   * Also recorded in {@link #SERVER_REQUESTS} with outcome {@link #OUTCOME_OVERLOADED}.
   */
  public static final String SERVER_OVERLOADED = "mesh.server.overloaded";
  /** Gauge: the current inbound adaptive concurrency limit, tagged service (NaN when none). */
  public static final String SERVER_CONCURRENCY_LIMIT = "mesh.server.concurrency.limit";
  /** Gauge: inbound requests the concurrency limit admitted and not yet completed, tagged service. */
  public static final String SERVER_CONCURRENCY_INFLIGHT = "mesh.server.concurrency.inflight";

  /** Counter: request header lines the gateway did not forward, tagged service, {@link #TAG_REASON}. */
  public static final String GATEWAY_HEADERS_REMOVED = "mesh.gateway.headers.removed";
  /** Counter: requests the gateway answered 400 instead of forwarding, tagged service, {@link #TAG_REASON}. */
  public static final String GATEWAY_REJECTED = "mesh.gateway.rejected";

  /**
   * Counter: request policies that threw (contained as their failure mode says), tagged {@link
   * #TAG_POLICY}, {@link #TAG_SIDE} and {@link #TAG_PHASE}.
   */
  public static final String POLICY_ERRORS = "mesh.policy.errors";
  /** Tag: the request policy's registered name. */
  public static final String TAG_POLICY = "policy";
  /** Tag: {@code outbound} (the OkHttp client) or {@code inbound} (the servlet filter). */
  public static final String TAG_SIDE = "side";
  /** Tag: {@code request} (before the request went on) or {@code complete} (observing the outcome). */
  public static final String TAG_PHASE = "phase";
  /** {@link #TAG_OUTCOME}: an inbound request a request policy answered itself. */
  public static final String OUTCOME_POLICY = "policy";
  /** Counter: config reloads, tagged {@link #TAG_RESULT} ({@code success} or {@code failure}). */
  public static final String CONFIG_RELOADS = "mesh.config.reloads";

  /** Timer (client): mesh calls by route, cluster, status class and outcome. */
  public static final String CLIENT_REQUESTS = "mesh.client.requests";
  /** Counter (client): attempts sent to endpoints, retries included. */
  public static final String CLIENT_ATTEMPTS = "mesh.client.attempts";
  /** Counter (client): retries made, tagged {@link #TAG_REASON} (the retry condition). */
  public static final String CLIENT_RETRIES = "mesh.client.retries";
  /** Counter (client): hedged attempts sent (a route's {@code hedge}). */
  public static final String CLIENT_HEDGES = "mesh.client.hedges";
  /**
   * Counter (client): attempts sent to an ejected endpoint because every usable endpoint had
   * failed the request before it left (the last resort).
   */
  public static final String CLIENT_LAST_RESORT = "mesh.client.last_resort";
  /** Counter (client): retries the retry budget refused. */
  public static final String CLIENT_RETRY_BUDGET_EXHAUSTED = "mesh.client.retry.budget.exhausted";
  /** Gauge (client): a cluster's circuit breaker state, 0 closed, 1 half-open, 2 open. */
  public static final String CLIENT_CIRCUIT_STATE = "mesh.client.circuit.state";
  /** Gauge (client): attempts holding one of a cluster's concurrency slots. */
  public static final String CLIENT_CIRCUIT_ACTIVE = "mesh.client.circuit.active";
  /** Counter (client): attempts refused by the breaker, tagged {@link #TAG_REASON}. */
  public static final String CLIENT_CIRCUIT_REJECTED = "mesh.client.circuit.rejected";
  /**
   * Gauge (client): the cluster's concurrency limit, tagged service, cluster: {@code
   * max_concurrent_requests}, or the current limit when it is {@code adaptive}.
   */
  public static final String CLIENT_CONCURRENCY_LIMIT = "mesh.client.concurrency.limit";
  /**
   * Counter (client): attempts answered 503 with {@code x-mesh-overloaded: true} (the upstream
   * shed the request unprocessed), tagged service, cluster. Such an attempt is retried on another
   * endpoint within the attempts and the retry budget, and counts against neither outlier
   * detection nor the circuit breaker.
   */
  public static final String CLIENT_OVERLOADED = "mesh.client.overloaded";
  /** Counter (client): mirrored (shadow) requests, tagged {@link #TAG_RESULT}. */
  public static final String CLIENT_MIRROR = "mesh.client.mirror";
  /** Counter (client): injected faults, tagged {@link #TAG_KIND} ({@code delay} or {@code abort}). */
  public static final String CLIENT_FAULTS = "mesh.client.faults";

  /** Tag: this application's own service name ({@code service:}). */
  public static final String TAG_SERVICE = "service";
  /**
   * Tag: the route, {@code virtual-host/route-name}; {@code implicit} for a cluster's implicit
   * route (client), {@link #ROUTE_NONE} for an inbound request no route matched (server).
   */
  public static final String TAG_ROUTE = "route";
  /** Tag: {@code 1xx} .. {@code 5xx}, or {@code none} when no response arrived. */
  public static final String TAG_STATUS_CLASS = "status_class";
  /** Tag: the cluster name. */
  public static final String TAG_CLUSTER = "cluster";
  /** Tag: the endpoint address ({@code host:port}). */
  public static final String TAG_ENDPOINT = "endpoint";
  /** Tag of {@link #OUTLIER_EJECTIONS}: {@link #KIND_DETECTED} or {@link #KIND_ENFORCED}. */
  public static final String TAG_KIND = "kind";
  /** Tag of {@link #OUTLIER_EJECTIONS}: {@code consecutive_5xx}, {@code consecutive_gateway_failure} or {@code draining}. */
  public static final String TAG_REASON = "reason";
  /** Tag of {@link #HEALTH_CHECKS}: {@link #SUCCESS} or {@link #FAILURE}. */
  public static final String TAG_RESULT = "result";
  /** Tag of {@link #ATTEMPTS} and {@link #ENDPOINT_ATTEMPTS} ({@link #SUCCESS} or {@link #FAILURE}) and of {@link #SERVER_REQUESTS} (an {@code OUTCOME_*} value). */
  public static final String TAG_OUTCOME = "outcome";

  /** Tag of {@link #SERVER_REQUESTS}: the status class, {@code 1xx} to {@code 5xx}. */
  public static final String TAG_STATUS = "status";
  /** Tag of {@link #SERVER_DENIED}: the deciding authz rule's name, or {@code default}. */
  public static final String TAG_RULE = "rule";
  /** {@link #TAG_ROUTE} of an inbound request no route matched. */
  public static final String ROUTE_NONE = "none";

  /** Server outcome: the application handled the request. */
  public static final String OUTCOME_PASS = "pass";
  /** Server outcome: answered with a route's redirect. */
  public static final String OUTCOME_REDIRECT = "redirect";
  /** Server outcome: answered with a route's direct response. */
  public static final String OUTCOME_RESPOND = "respond";
  /** Server outcome: answered with a route fault's abort status. */
  public static final String OUTCOME_FAULT = "fault";
  /** Server outcome: answered 429 by a route's rate limit. */
  public static final String OUTCOME_RATELIMITED = "ratelimited";
  /** Server outcome: answered 403 by authz. */
  public static final String OUTCOME_DENIED = "denied";
  /**
   * Server outcome: the application threw, or an async request failed or timed out (the status
   * is what the container sent, usually 5xx).
   */
  public static final String OUTCOME_ERROR = "error";
  /**
   * Server outcome: an inbound {@code to} / {@code split} route forwarded the request to a cluster
   * ({@code mesh-gateway}); the status is the one sent to the client (a 502/503/504 of the mesh's
   * own when the upstream failed).
   */
  public static final String OUTCOME_FORWARD = "forward";
  /** Server outcome: shed with 503 by {@code inbound.concurrency_limit}. */
  public static final String OUTCOME_OVERLOADED = "overloaded";

  /** Every detection, enforced or not (dry run, or capped by max_ejection_percent). */
  public static final String KIND_DETECTED = "detected";
  /** Detections that actually ejected the endpoint. */
  public static final String KIND_ENFORCED = "enforced";
  /** Gauge: seconds until an identity source's certificate expires. */
  public static final String IDENTITY_EXPIRY = "mesh.identity.expiry.seconds";
  /** Counter: identities taken from a source after the first. */
  public static final String IDENTITY_ROTATIONS = "mesh.identity.rotations";
  /** Counter: server certificates a cluster's client refused during the handshake. */
  public static final String TLS_PEER_REFUSED = "mesh.tls.peer.refused";
  /** Counter: inbound requests by TLS mode and peer authentication. */
  public static final String SERVER_PEER_AUTHN = "mesh.server.peer.authn";
  /** Counter: client certificates the server context refused during the handshake. */
  public static final String SERVER_TLS_REFUSED = "mesh.server.tls.refused";
  /** Tag of the identity meters: the identity source's name. */
  public static final String TAG_SOURCE = "source";
  /** Tag of {@link #SERVER_PEER_AUTHN}: {@code strict}, {@code permissive} or {@code none}. */
  public static final String TAG_MODE = "mode";
  /** Tag of {@link #SERVER_PEER_AUTHN}: {@code mtls}, {@code tls} or {@code plaintext}. */
  public static final String TAG_PEER = "peer";
  /** Tag value: a passed check, or an attempt answered below 500. */
  public static final String SUCCESS = "success";
  /** Tag value: a failed check, or an attempt answered 5xx or not answered. */
  public static final String FAILURE = "failure";
}
