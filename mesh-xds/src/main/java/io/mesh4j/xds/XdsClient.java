package io.mesh4j.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.mesh4j.ConfigSourceStatus;
import io.mesh4j.Mesh;
import io.mesh4j.internal.MeshInternals;
import io.mesh4j.config.ConfigError;
import io.mesh4j.config.ConfigException;
import io.mesh4j.config.ConfigValidator;
import io.mesh4j.config.MeshConfig;
import io.mesh4j.identity.WorkloadIdentity;
import io.mesh4j.time.Scheduler;
import io.mesh4j.time.Ticker;
import io.mesh4j.xds.translate.EnvoyResources;
import io.mesh4j.xds.translate.EnvoyTranslator;
import io.mesh4j.xds.translate.SdsBinding;
import io.mesh4j.xds.translate.Translation;
import io.mesh4j.xds.translate.TranslationIssue;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds a {@link Mesh} from an xDS v3 control plane over ADS (the aggregated discovery service,
 * state of the world), the way Envoy subscribes.
 *
 * <pre>{@code
 * Mesh mesh = Mesh.builder().configFile(Path.of("mesh.yaml")).watch(Duration.ZERO).build();
 * XdsClient xds = XdsClient.start(XdsBootstrap.load(Path.of("xds.yaml")), mesh);
 * ...
 * xds.close();
 * mesh.close();
 * }</pre>
 *
 * <h2>Subscriptions</h2>
 *
 * <p>Listeners (LDS) and clusters (CDS) are subscribed as wildcards. Of the listeners, those the
 * bootstrap binds (outbound/inbound names) are followed: the {@code rds.route_config_name} of
 * their HttpConnectionManagers, plus every bound name that is not a listener, make the RDS
 * subscription; the EDS clusters ({@code eds_cluster_config.service_name} or the cluster name)
 * make the EDS subscription. Subscriptions are updated as responses arrive. With {@link
 * SdsIdentitySource}s ({@link Builder#identitySource}), their secrets make the SDS subscription
 * (type {@code Secret}, by name); see that class for how secrets become identities.
 *
 * <h2>Applying, ACK and NACK</h2>
 *
 * <p>A response is held until every RouteConfiguration and ClusterLoadAssignment it depends on was
 * received, so the mesh never sees a listener without its routes or a cluster without its
 * endpoints. Then all received resources are translated ({@link EnvoyTranslator}), merged with
 * the file config (see {@link ConfigMerge}: the file wins same-named clusters and virtual hosts),
 * validated, and applied with {@link Mesh#reload(MeshConfig, String)} (source {@code "xds"}); the
 * held responses are then ACKed (their version_info and nonce). Secrets are checked when they
 * arrive (a bad one is NACKed at once and its identity source keeps its identity) and a good pair
 * becomes its source's identity before any config naming the source is applied. A response whose resources cannot
 * be decoded or translated (REJECTED issues), or whose result the validator or the mesh rejects, is
 * NACKed: the previous version, the response's nonce, and an error_detail listing the problems,
 * e.g. {@code Cluster inventory: outlier_detection.split_external_local_origin_errors: not
 * supported}. Rejection is attributed to the response types the issues name, so a good listener
 * update is still applied next to a bad cluster update. The mesh keeps serving its last good
 * config. A rejected version sent again unchanged is NACKed again only after a backoff delay, so a
 * control plane that answers a NACK by resending the same version does not spin.
 *
 * <h2>Outages</h2>
 *
 * <p>When the stream fails, the mesh keeps its last good config and the client reconnects after
 * {@code random(0, min(max, initial * 2^failures))} (exponential backoff with full jitter; failures
 * reset once a stream delivers a response), on a fresh channel, resubscribing with the versions
 * it last ACKed so an unchanged control plane need not resend anything.
 *
 * <h2>Threading</h2>
 *
 * <p>Responses are processed one at a time on gRPC's threads; reconnects run on the injected
 * {@link Scheduler} (the mesh's by default). The status is published to the mesh as config source
 * {@code "xds"} ({@code /mesh/config}). Thread-safe; {@link #close()} is idempotent.
 */
public final class XdsClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(XdsClient.class);
  /** The name under which the client registers its status on the mesh. */
  public static final String SOURCE_NAME = "xds";
  private static final int INVALID_ARGUMENT = 3;
  private static final int MAX_RESPONSE_BYTES = 64 << 20;

  private final XdsBootstrap bootstrap;
  private final Mesh mesh;
  private final Scheduler scheduler;
  private final RandomGenerator random;
  private final Clock clock;
  private final Ticker ticker;
  private final Node node;
  private final ConfigSourceStatus statusHook = () -> status().toMap();
  private final List<SdsIdentitySource> sdsSources;
  private final List<SdsBinding> sdsBindings;

  private final Object lock = new Object();
  // Everything below is guarded by lock.
  private MeshConfig base;
  private final EnumMap<ResourceType, Map<String, Message>> accepted = emptyState();
  private final EnumMap<ResourceType, Map<String, Message>> received = emptyState();
  /** Types received at least once on the current stream (or in force from an earlier one). */
  private final EnumSet<ResourceType> receivedOnce = EnumSet.noneOf(ResourceType.class);
  private final EnumMap<ResourceType, List<String>> subscribed = new EnumMap<>(ResourceType.class);
  private final EnumMap<ResourceType, String> ackedVersion = new EnumMap<>(ResourceType.class);
  private final EnumMap<ResourceType, String> ackedNonce = new EnumMap<>(ResourceType.class);
  private final EnumMap<ResourceType, String> lastNonce = new EnumMap<>(ResourceType.class);
  private final EnumMap<ResourceType, String> lastSentNonce = new EnumMap<>(ResourceType.class);
  private final EnumMap<ResourceType, Pending> pending = new EnumMap<>(ResourceType.class);
  private final EnumMap<ResourceType, Rejected> rejected = new EnumMap<>(ResourceType.class);
  /** The checked material of each Secret received (a KeyPair or a CA list), by name. */
  private final Map<String, Object> secretMaterial = new LinkedHashMap<>();
  private ManagedChannel channel;
  private Stream stream;
  private Scheduler.Cancellable reconnect;
  private int failures;
  private int repeatedNacks;
  private long streams;
  private XdsStatus.State state = XdsStatus.State.CONNECTING;
  private Instant stateSince;
  private XdsStatus.Nack lastNack;
  private long applied;
  private Instant lastAppliedAt;
  private Duration lastApplyTook;
  private Duration lastApplyCpu;
  private long responseCpuStart = -1;
  private List<String> overridden = List.of();
  private final Set<String> reportedOverrides = new HashSet<>();
  private List<String> missingClusters = List.of();
  private final Set<String> reportedMissing = new HashSet<>();
  private boolean closed;

  private XdsClient(Builder b) {
    this.bootstrap = b.bootstrap;
    this.mesh = b.mesh;
    this.scheduler = b.scheduler != null ? b.scheduler : MeshInternals.scheduler(mesh);
    this.random = b.random != null ? b.random : MeshInternals.random(mesh);
    this.clock = mesh.clock();
    this.ticker = b.ticker != null ? b.ticker : MeshInternals.ticker(mesh);
    this.base = b.base != null ? b.base : mesh.current().config();
    this.node = node(bootstrap);
    this.stateSince = clock.instant();
    subscribed.put(ResourceType.LISTENER, List.of());
    subscribed.put(ResourceType.CLUSTER, List.of());
    subscribed.put(ResourceType.ROUTE, List.of());
    subscribed.put(ResourceType.ENDPOINT, List.of());
    this.sdsSources = List.copyOf(b.sdsSources);
    this.sdsBindings = sdsSources.stream().map(SdsIdentitySource::binding).toList();
    Set<String> secrets = new LinkedHashSet<>();
    for (SdsIdentitySource src : sdsSources) {
      secrets.add(src.certificateSecret());
      secrets.add(src.validationContextSecret());
    }
    subscribed.put(ResourceType.SECRET, List.copyOf(secrets));
  }

  /**
   * Starts following the control plane in {@code bootstrap} and applying what it sends to {@code
   * mesh}, whose current config becomes the file base (see the class comment). Returns at once;
   * the first update arrives asynchronously (see {@link #awaitStatus}).
   *
   * @throws IllegalStateException if the mesh already has an {@code xds} config source
   * @throws ConfigException if the TLS files cannot be loaded
   */
  public static XdsClient start(XdsBootstrap bootstrap, Mesh mesh) {
    return builder(bootstrap, mesh).start();
  }

  /** A builder to inject the scheduler, random source and base config (tests, embedding). */
  public static Builder builder(XdsBootstrap bootstrap, Mesh mesh) {
    return new Builder(bootstrap, mesh);
  }

  private static Node node(XdsBootstrap b) {
    Node.Builder n = Node.newBuilder().setId(b.nodeId()).setUserAgentName("mesh4j");
    if (b.nodeCluster() != null) n.setCluster(b.nodeCluster());
    if (!b.nodeMetadata().isEmpty()) {
      Struct.Builder s = Struct.newBuilder();
      b.nodeMetadata().forEach((k, v) -> s.putFields(k, Value.newBuilder().setStringValue(v).build()));
      n.setMetadata(s);
    }
    return n.build();
  }

  private void begin() {
    List<SdsIdentitySource> attached = new ArrayList<>();
    for (SdsIdentitySource src : sdsSources) {
      if (!src.attach(bootstrap.server())) {
        attached.forEach(SdsIdentitySource::detach);
        throw new IllegalStateException("identity source " + src.name()
            + ": already fed by another XdsClient");
      }
      attached.add(src);
    }
    try {
      mesh.registerConfigSource(SOURCE_NAME, statusHook);
    } catch (RuntimeException e) {
      attached.forEach(SdsIdentitySource::detach);
      throw e;
    }
    try {
      synchronized (lock) {
        connect();
      }
    } catch (RuntimeException e) {
      mesh.unregisterConfigSource(SOURCE_NAME, statusHook);
      attached.forEach(SdsIdentitySource::detach);
      throw e;
    }
  }

  // ------------------------------------------------------------------------------- public API

  /** A consistent snapshot of the connection, versions, nonces and the last NACK. */
  public XdsStatus status() {
    synchronized (lock) {
      Map<String, XdsStatus.TypeStatus> types = new LinkedHashMap<>();
      for (ResourceType t : ResourceType.values()) {
        if (t == ResourceType.SECRET && sdsSources.isEmpty()) continue;
        types.put(t.shortName, new XdsStatus.TypeStatus(ackedVersion.getOrDefault(t, ""),
            ackedNonce.getOrDefault(t, ""), subscribed.get(t), accepted.get(t).size()));
      }
      return new XdsStatus(bootstrap.server(), bootstrap.nodeId(), state, stateSince, streams, types,
          waitingFor(), lastNack, applied, lastAppliedAt, overridden, missingClusters);
    }
  }

  /** How long the last applied update took from receiving the response to the mesh serving it. */
  public Duration lastApplyDuration() {
    synchronized (lock) {
      return lastApplyTook;
    }
  }

  /**
   * The CPU time the thread that completed the last applied update spent on it: decoding the
   * response, translating, validating and swapping the mesh's config (the picker rebuild
   * included); {@code null} before the first update or where the JVM cannot measure thread CPU
   * time. Unlike {@link #lastApplyDuration()} it does not grow when the machine is busy.
   */
  public Duration lastApplyCpuTime() {
    synchronized (lock) {
      return lastApplyCpu;
    }
  }

  /**
   * Waits until {@code condition} holds for {@link #status()} (checked on every change), or the
   * timeout passes. For start-up ("wait for the first update") and tests.
   *
   * @return whether the condition held
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitStatus(Predicate<XdsStatus> condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (true) {
        if (condition.test(status())) return true;
        long left = deadline - System.nanoTime();
        if (left <= 0) return false;
        lock.wait(Math.max(1, left / 1_000_000));
      }
    }
  }

  /**
   * Replaces the file base (service, admin, propagate, inbound settings, overriding clusters and
   * virtual hosts) and re-applies it together with the xDS resources in force.
   *
   * @throws ConfigException if the merged config is invalid; nothing changes then
   */
  public void updateBase(MeshConfig newBase) {
    Objects.requireNonNull(newBase, "newBase");
    synchronized (lock) {
      MeshConfig previous = base;
      base = newBase;
      try {
        if (hasAnyXds(accepted)) {
          Attempt a = translate(accepted);
          if (!a.errors.isEmpty()) throw new ConfigException(a.errors.stream()
              .map(e -> new ConfigError("", e)).toList());
          install(a);
        } else {
          mesh.reload(newBase, SOURCE_NAME);
        }
      } catch (RuntimeException e) {
        base = previous;
        throw e;
      }
      lock.notifyAll();
    }
  }

  /** Stops following the control plane; the mesh keeps its current config. Idempotent. */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) return;
      closed = true;
      if (reconnect != null) reconnect.cancel();
      Stream s = stream;
      stream = null;
      if (s != null) {
        try {
          s.requests.onCompleted();
        } catch (RuntimeException e) {
          log.debug("mesh4j xds: closing the stream failed", e);
        }
      }
      if (channel != null) channel.shutdownNow();
      setState(XdsStatus.State.CLOSED);
      lock.notifyAll();
    }
    mesh.unregisterConfigSource(SOURCE_NAME, statusHook);
    sdsSources.forEach(SdsIdentitySource::detach);
  }

  // ------------------------------------------------------------------------------- stream

  private void connect() {
    if (closed) return;
    reconnect = null;
    streams++;
    if (channel != null) channel.shutdownNow();
    channel = newChannel();
    // A new stream starts from what is in force: anything held back is asked for again.
    pending.clear();
    lastNonce.clear();
    lastSentNonce.clear();
    for (ResourceType t : ResourceType.values()) received.put(t, new LinkedHashMap<>(accepted.get(t)));
    receivedOnce.clear();
    for (ResourceType t : ResourceType.values()) {
      if (ackedVersion.containsKey(t)) receivedOnce.add(t);
    }
    updateSubscriptions(false);
    Stream s = new Stream();
    stream = s;
    setState(XdsStatus.State.CONNECTING);
    s.requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(s);
    for (ResourceType t : List.of(ResourceType.CLUSTER, ResourceType.LISTENER)) {
      send(t, ackedVersion.getOrDefault(t, ""), "", null);
    }
    for (ResourceType t : List.of(ResourceType.ENDPOINT, ResourceType.ROUTE, ResourceType.SECRET)) {
      if (!subscribed.get(t).isEmpty()) send(t, ackedVersion.getOrDefault(t, ""), "", null);
    }
  }

  private ManagedChannel newChannel() {
    NettyChannelBuilder b = NettyChannelBuilder.forAddress(bootstrap.host(), bootstrap.port())
        .userAgent("mesh4j-xds")
        // Large EDS answers (tens of thousands of endpoints) exceed gRPC's 4 MiB default.
        .maxInboundMessageSize(MAX_RESPONSE_BYTES);
    if (bootstrap.tls()) {
      try {
        SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(bootstrap.trustedCa().toFile());
        if (bootstrap.clientCert() != null) {
          ssl.keyManager(bootstrap.clientCert().toFile(), bootstrap.clientKey().toFile());
        }
        SslContext ctx = ssl.build();
        b.sslContext(ctx);
      } catch (SSLException | RuntimeException e) {
        throw new ConfigException(List.of(new ConfigError("tls", "cannot load: " + e)));
      }
    } else {
      b.usePlaintext();
    }
    return b.build();
  }

  private void send(ResourceType type, String version, String nonce, String errorDetail) {
    Stream s = stream;
    if (s == null) return;
    DiscoveryRequest.Builder r = DiscoveryRequest.newBuilder()
        .setTypeUrl(type.typeUrl)
        .setVersionInfo(version)
        .setResponseNonce(nonce)
        .addAllResourceNames(subscribed.get(type));
    if (!s.sentNode) {
      r.setNode(node);
      s.sentNode = true;
    }
    if (errorDetail != null) {
      r.setErrorDetail(com.google.rpc.Status.newBuilder()
          .setCode(INVALID_ARGUMENT).setMessage(errorDetail));
    }
    lastSentNonce.put(type, nonce);
    try {
      s.requests.onNext(r.build());
    } catch (RuntimeException e) {
      // The stream is already failing; its onError schedules the reconnect.
      log.debug("mesh4j xds: sending a {} request failed", type.shortName, e);
    }
  }

  private void streamEnded(Stream s, Throwable error) {
    synchronized (lock) {
      if (closed || s != stream) return;
      stream = null;
      Status st = error == null ? Status.UNAVAILABLE.withDescription("stream closed by the server")
          : Status.fromThrowable(error);
      long cap = backoffCap(failures);
      long delay = (long) (random.nextDouble() * cap);
      failures++;
      log.warn("mesh4j xds: stream to {} ended ({}); the mesh keeps its last good config; "
          + "reconnecting in {} ms", bootstrap.server(), st.getCode()
          + (st.getDescription() == null ? "" : ": " + st.getDescription()), delay / 1_000_000);
      setState(XdsStatus.State.BACKOFF);
      pending.clear();
      reconnect = scheduler.schedule(this::reconnectNow, Duration.ofNanos(delay));
      lock.notifyAll();
    }
  }

  /** {@code min(max, initial * 2^n)} in nanoseconds. */
  private long backoffCap(int n) {
    long initial = bootstrap.initialBackoff().toNanos();
    long max = bootstrap.maxBackoff().toNanos();
    int shift = Math.min(n, 40);
    long cap = initial << shift;
    if (cap <= 0 || (cap >> shift) != initial || cap > max) cap = max;
    return cap;
  }

  private void reconnectNow() {
    synchronized (lock) {
      if (closed || stream != null) return;
      connect();
      lock.notifyAll();
    }
  }

  // ------------------------------------------------------------------------------- responses

  private void onResponse(Stream s, DiscoveryResponse resp) {
    long receivedAt = ticker.read();
    long cpuStart = cpuTime();
    synchronized (lock) {
      responseCpuStart = cpuStart;
      if (closed || s != stream) return;
      if (!s.responded) {
        s.responded = true;
        failures = 0;
        setState(XdsStatus.State.CONNECTED);
      }
      ResourceType type = ResourceType.ofTypeUrl(resp.getTypeUrl());
      if (type == null) {
        log.debug("mesh4j xds: ignoring a response of unsubscribed type {}", resp.getTypeUrl());
        return;
      }
      lastNonce.put(type, resp.getNonce());
      Map<String, Message> decoded = new LinkedHashMap<>();
      String error = decode(type, resp, decoded);
      Map<String, Object> material = new LinkedHashMap<>();
      if (error == null && type == ResourceType.SECRET) {
        error = checkSecrets(decoded, material, resp.getVersionInfo());
      }
      if (error != null) {
        // Hashed by content (not nonce), so a control plane resending the same rejected secrets
        // is answered after a backoff rather than at once.
        nack(type, resp.getVersionInfo(), resp.getNonce(), error,
            type == ResourceType.SECRET ? resp.getResourcesList().hashCode() : resp.hashCode());
        lock.notifyAll();
        return;
      }
      Map<String, Message> next;
      if (type.wildcard) {
        next = decoded;
      } else {
        next = new LinkedHashMap<>(received.get(type));
        next.putAll(decoded);
        next.keySet().retainAll(subscribed.get(type));
      }
      received.put(type, next);
      receivedOnce.add(type);
      if (type == ResourceType.SECRET) {
        secretMaterial.putAll(material);
        secretMaterial.keySet().retainAll(next.keySet());
        feedIdentitySources();
      }
      pending.put(type, new Pending(resp.getVersionInfo(), resp.getNonce(), receivedAt,
          resp.getResourcesList().hashCode()));
      updateSubscriptions(true);
      askAgainForMissing(type, resp.getNonce());
      tryApply();
      lock.notifyAll();
    }
  }

  private static String decode(ResourceType type, DiscoveryResponse resp, Map<String, Message> out) {
    for (Any any : resp.getResourcesList()) {
      Message m;
      try {
        m = type.unpack(any);
      } catch (InvalidProtocolBufferException e) {
        return type.shortName + ": cannot decode a resource: " + e.getMessage();
      }
      String name = type.name(m);
      if (out.putIfAbsent(name, m) != null) {
        return type.shortName + " " + name + ": sent twice in one response";
      }
    }
    return null;
  }

  /**
   * Checks every Secret of a response that an identity source uses (as the kind it uses it for);
   * puts the material of the good ones in {@code out}. Returns the NACK detail naming each bad
   * secret, after telling its sources (which keep their identity), or {@code null}.
   */
  private String checkSecrets(Map<String, Message> decoded, Map<String, Object> out,
      String version) {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Message> e : decoded.entrySet()) {
      String name = e.getKey();
      Secret secret = (Secret) e.getValue();
      for (SdsIdentitySource src : sdsSources) {
        boolean cert = src.certificateSecret().equals(name);
        boolean ca = src.validationContextSecret().equals(name);
        if (!cert && !ca) continue;
        try {
          out.put(name, cert ? SecretMaterial.keyPair(secret) : SecretMaterial.trustedCa(secret));
        } catch (IllegalArgumentException ex) {
          String problem = "Secret " + name + ": " + ex.getMessage();
          if (!problems.contains(problem)) problems.add(problem);
          src.reject("refused Secret version " + version + " from " + bootstrap.server() + " ("
              + problem + "); NACKed");
        }
      }
    }
    return problems.isEmpty() ? null : String.join("; ", problems);
  }

  /** Gives each identity source whose two secrets are in hand the identity they make. */
  private void feedIdentitySources() {
    for (SdsIdentitySource src : sdsSources) {
      Object kp = secretMaterial.get(src.certificateSecret());
      Object ca = secretMaterial.get(src.validationContextSecret());
      if (!(kp instanceof SecretMaterial.KeyPair pair) || !(ca instanceof List<?> bundle)) continue;
      @SuppressWarnings("unchecked")
      List<X509Certificate> trusted = (List<X509Certificate>) bundle;
      try {
        boolean first = src.current() == null;
        if (src.accept(WorkloadIdentity.of(pair.chain(), pair.key(), trusted)) && first) {
          log.info("mesh4j xds: identity source {} got {} from Secrets {} and {}", src.name(),
              src.current(), src.certificateSecret(), src.validationContextSecret());
        }
      } catch (IllegalArgumentException e) {
        src.reject("Secrets " + src.certificateSecret() + " and " + src.validationContextSecret()
            + ": " + e.getMessage());
      }
    }
  }

  /** Recomputes the RDS and EDS names from what was received; sends changed subscriptions. */
  private void updateSubscriptions(boolean sendChanges) {
    if (receivedOnce.contains(ResourceType.LISTENER)) {
      setSubscription(ResourceType.ROUTE, rdsNames(received.get(ResourceType.LISTENER)), sendChanges);
    }
    if (receivedOnce.contains(ResourceType.CLUSTER)) {
      setSubscription(ResourceType.ENDPOINT, edsNames(received.get(ResourceType.CLUSTER)), sendChanges);
    }
  }

  private void setSubscription(ResourceType type, List<String> names, boolean send) {
    if (names.equals(subscribed.get(type))) return;
    subscribed.put(type, names);
    received.get(type).keySet().retainAll(names);
    if (send) send(type, ackedVersion.getOrDefault(type, ""), lastNonce.getOrDefault(type, ""), null);
  }

  /**
   * After an RDS/EDS response that still misses subscribed names: a subscription request we sent
   * with an older nonce was ignored by the server (it had already answered), so ask again with
   * this response's nonce.
   */
  private void askAgainForMissing(ResourceType type, String nonce) {
    if (type.wildcard || nonce.equals(lastSentNonce.get(type))) return;
    if (!received.get(type).keySet().containsAll(subscribed.get(type))) {
      send(type, ackedVersion.getOrDefault(type, ""), nonce, null);
    }
  }

  private List<String> rdsNames(Map<String, Message> listeners) {
    Set<String> names = new LinkedHashSet<>();
    List<String> bound = new ArrayList<>(bootstrap.binding().outbound());
    bound.addAll(bootstrap.binding().inbound());
    for (String n : bound) {
      Message l = listeners.get(n);
      if (l == null) {
        names.add(n);
      } else {
        try {
          names.addAll(ResourceType.rdsNames((Listener) l));
        } catch (InvalidProtocolBufferException e) {
          // The translator reports the broken HttpConnectionManager; nothing to subscribe.
          log.debug("mesh4j xds: listener {} has an undecodable HttpConnectionManager", n, e);
        }
      }
    }
    return List.copyOf(names);
  }

  private static List<String> edsNames(Map<String, Message> clusters) {
    Set<String> names = new LinkedHashSet<>();
    for (Message m : clusters.values()) {
      String n = ResourceType.edsName((Cluster) m);
      if (n != null) names.add(n);
    }
    return List.copyOf(names);
  }

  private List<String> waitingFor() {
    List<String> out = new ArrayList<>();
    for (ResourceType t : ResourceType.values()) {
      if (t.wildcard) {
        if (!receivedOnce.contains(t)) out.add(t.shortName + " *");
        continue;
      }
      for (String n : subscribed.get(t)) {
        if (!received.get(t).containsKey(n)) out.add(t.shortName + " " + n);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------------------- apply

  private void tryApply() {
    while (!pending.isEmpty() && waitingFor().isEmpty()) {
      if (pendingUnchanged()) {
        // A new version with the same resources (a control plane bumps every type at once):
        // nothing to translate or apply, only to ACK.
        ackPending(false);
        return;
      }
      Attempt a = translate(received);
      if (a.errors.isEmpty()) {
        try {
          install(a);
          ackPending(true);
          return;
        } catch (ConfigException e) {
          a = new Attempt(a.config, a.overridden, List.of(), e.errors().stream()
              .map(err -> "MeshConfig " + err).toList(), a.missing);
        }
      }
      // Blame the held responses whose types the issues name; all of them when none is named.
      Set<ResourceType> blamed = new LinkedHashSet<>();
      for (TranslationIssue i : a.issues) {
        for (ResourceType t : pending.keySet()) {
          if (t.shortName.equals(i.resourceType())) blamed.add(t);
        }
      }
      if (blamed.isEmpty()) blamed.addAll(pending.keySet());
      for (ResourceType t : blamed) {
        Pending p = pending.remove(t);
        List<String> mine = a.issues.stream()
            .filter(i -> i.resourceType().equals(t.shortName)).map(Object::toString).toList();
        String detail = String.join("; ", mine.isEmpty() ? a.errors : mine);
        received.put(t, new LinkedHashMap<>(accepted.get(t)));
        // Nothing of this type was ever in force: it counts as not received yet (so a bound
        // name is not mistaken for a route configuration while no listener is known).
        if (!ackedVersion.containsKey(t)) receivedOnce.remove(t);
        nack(t, p.version, p.nonce, detail, p.contentHash);
      }
      updateSubscriptions(true);
    }
  }

  private Attempt translate(Map<ResourceType, Map<String, Message>> state) {
    List<Cluster> clusters = cast(state.get(ResourceType.CLUSTER), Cluster.class);
    List<String> missing = missingClusters(state);
    for (String n : missing) {
      // As in Envoy, a route to a cluster the control plane has not sent (yet) is accepted and
      // answers "no endpoint" until the cluster arrives, instead of failing the whole update.
      clusters.add(Cluster.newBuilder().setName(n).setType(Cluster.DiscoveryType.STATIC)
          .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName(n)).build());
    }
    EnvoyResources resources = new EnvoyResources(
        cast(state.get(ResourceType.LISTENER), Listener.class),
        cast(state.get(ResourceType.ROUTE), RouteConfiguration.class),
        clusters,
        cast(state.get(ResourceType.ENDPOINT), ClusterLoadAssignment.class));
    Translation tr = EnvoyTranslator.translate(resources, bootstrap.binding(), base, sdsBindings);
    List<TranslationIssue> rejectedIssues = tr.rejected();
    if (!tr.accepted()) {
      return new Attempt(null, List.of(), rejectedIssues,
          rejectedIssues.stream().map(Object::toString).toList(), missing);
    }
    if (base.clusters().isEmpty() && base.outbound().virtualHosts().isEmpty()
        && base.inbound().virtualHosts().isEmpty()) {
      // The file adds nothing the translator did not already take from it (service, admin,
      // propagate, inbound settings), and a translation it accepted is valid: no second pass.
      return new Attempt(tr.config(), List.of(), List.of(), List.of(), missing);
    }
    ConfigMerge.Result merged = ConfigMerge.merge(base, tr.config());
    List<ConfigError> invalid = ConfigValidator.validate(merged.config());
    if (!invalid.isEmpty()) {
      return new Attempt(null, merged.overridden(), List.of(),
          invalid.stream().map(e -> "MeshConfig " + e).toList(), missing);
    }
    return new Attempt(merged.config(), merged.overridden(), List.of(), List.of(), missing);
  }

  /** Clusters the outbound routes name that the control plane did not send. */
  private List<String> missingClusters(Map<ResourceType, Map<String, Message>> state) {
    Set<String> refs = new LinkedHashSet<>();
    Map<String, Message> listeners = state.get(ResourceType.LISTENER);
    Map<String, Message> routes = state.get(ResourceType.ROUTE);
    for (String n : bootstrap.binding().outbound()) {
      Message l = listeners.get(n);
      if (l != null) {
        try {
          for (RouteConfiguration rc : ResourceType.inlineRoutes((Listener) l)) {
            ResourceType.clusterRefs(rc, refs);
          }
          for (String rds : ResourceType.rdsNames((Listener) l)) {
            Message rc = routes.get(rds);
            if (rc != null) ResourceType.clusterRefs((RouteConfiguration) rc, refs);
          }
        } catch (InvalidProtocolBufferException e) {
          // The translator rejects the broken HttpConnectionManager.
        }
      } else if (routes.get(n) != null) {
        ResourceType.clusterRefs((RouteConfiguration) routes.get(n), refs);
      }
    }
    refs.removeAll(state.get(ResourceType.CLUSTER).keySet());
    return List.copyOf(refs);
  }

  private static <T> List<T> cast(Map<String, Message> m, Class<T> type) {
    List<T> out = new ArrayList<>(m.size());
    for (Message x : m.values()) out.add(type.cast(x));
    return out;
  }

  private static boolean hasAnyXds(Map<ResourceType, Map<String, Message>> state) {
    for (Map<String, Message> m : state.values()) {
      if (!m.isEmpty()) return true;
    }
    return false;
  }

  private void install(Attempt a) {
    // A new version with the same content (a control plane bumps every type at once) leaves the
    // mesh alone: no reload, no picker rebuild.
    if (!a.config.equals(mesh.current().config())) mesh.reload(a.config, SOURCE_NAME);
    applied++;
    lastAppliedAt = clock.instant();
    overridden = a.overridden;
    missingClusters = a.missing;
    for (String m : a.missing) {
      if (reportedMissing.add(m)) {
        log.warn("mesh4j xds: routes name cluster {}, which the control plane has not sent; it"
            + " answers \"no endpoint\" until it arrives (reported once)", m);
      }
    }
    for (String o : a.overridden) {
      if (reportedOverrides.add(o)) {
        log.warn("mesh4j xds: the file's {} overrides the control plane's (reported once)", o);
      }
    }
  }

  private boolean pendingUnchanged() {
    for (ResourceType t : ResourceType.values()) {
      if (!received.get(t).equals(accepted.get(t))) return false;
    }
    return true;
  }

  private void ackPending(boolean measure) {
    long oldest = Long.MAX_VALUE;
    for (Map.Entry<ResourceType, Pending> e : pending.entrySet()) {
      ResourceType t = e.getKey();
      Pending p = e.getValue();
      oldest = Math.min(oldest, p.receivedAt);
      accepted.put(t, new LinkedHashMap<>(received.get(t)));
      ackedVersion.put(t, p.version);
      ackedNonce.put(t, p.nonce);
      rejected.remove(t);
      send(t, p.version, p.nonce, null);
    }
    // Types whose subscription shrank without a response of their own drop what they left.
    for (ResourceType t : ResourceType.values()) {
      if (!t.wildcard) accepted.get(t).keySet().retainAll(subscribed.get(t));
    }
    pending.clear();
    repeatedNacks = 0;
    if (!measure) return;
    lastApplyTook = Duration.ofNanos(ticker.read() - oldest);
    long cpu = cpuTime();
    lastApplyCpu = cpu < 0 || responseCpuStart < 0 ? null : Duration.ofNanos(cpu - responseCpuStart);
  }

  /** The current thread's CPU time in nanoseconds, or -1 where the JVM cannot tell. */
  private static long cpuTime() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    return threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() : -1;
  }

  private void nack(ResourceType type, String version, String nonce, String detail, int contentHash) {
    String previous = ackedVersion.getOrDefault(type, "");
    Rejected before = rejected.get(type);
    boolean repeat = before != null && before.version.equals(version)
        && before.contentHash == contentHash && before.detail.equals(detail);
    int repeats = repeat ? before.repeats + 1 : 0;
    rejected.put(type, new Rejected(version, contentHash, detail, repeats));
    lastNack = new XdsStatus.Nack(type.shortName, version, nonce, detail, clock.instant(), repeats);
    if (!repeat) {
      log.warn("mesh4j xds: rejected {} version {} (the mesh keeps its last good config): {}",
          type.shortName, version, detail);
      send(type, previous, nonce, detail);
      return;
    }
    // The same rejected version again: answer after a backoff delay, so we do not spin with a
    // control plane that resends on every NACK.
    long delay = (long) (random.nextDouble() * backoffCap(repeatedNacks++));
    Stream s = stream;
    scheduler.schedule(() -> {
      synchronized (lock) {
        if (closed || stream != s || !nonce.equals(lastNonce.get(type))) return;
        send(type, previous, nonce, detail);
      }
    }, Duration.ofNanos(delay));
  }

  private void setState(XdsStatus.State s) {
    if (state != s) {
      state = s;
      stateSince = clock.instant();
    }
  }

  private static EnumMap<ResourceType, Map<String, Message>> emptyState() {
    EnumMap<ResourceType, Map<String, Message>> m = new EnumMap<>(ResourceType.class);
    for (ResourceType t : ResourceType.values()) m.put(t, new LinkedHashMap<>());
    return m;
  }

  @Override
  public String toString() {
    XdsStatus s = status();
    return "XdsClient{server=" + s.server() + ", state=" + s.state() + ", versions="
        + s.types().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue().version())
            .collect(Collectors.joining(", ")) + "}";
  }

  // ------------------------------------------------------------------------------- small types

  private record Pending(String version, String nonce, long receivedAt, int contentHash) {}

  private record Rejected(String version, int contentHash, String detail, int repeats) {}

  private record Attempt(MeshConfig config, List<String> overridden, List<TranslationIssue> issues,
      List<String> errors, List<String> missing) {}

  /** One ADS stream; callbacks from a stream that is no longer current are ignored. */
  private final class Stream implements StreamObserver<DiscoveryResponse> {
    StreamObserver<DiscoveryRequest> requests;
    boolean sentNode;
    boolean responded;

    @Override
    public void onNext(DiscoveryResponse value) {
      try {
        onResponse(this, value);
      } catch (RuntimeException e) {
        log.warn("mesh4j xds: processing a response failed unexpectedly", e);
      }
    }

    @Override
    public void onError(Throwable t) {
      streamEnded(this, t);
    }

    @Override
    public void onCompleted() {
      streamEnded(this, null);
    }
  }

  /** Builds and starts an {@link XdsClient}. Not thread-safe. */
  public static final class Builder {
    private final XdsBootstrap bootstrap;
    private final Mesh mesh;
    private Scheduler scheduler;
    private RandomGenerator random;
    private Ticker ticker;
    private MeshConfig base;
    private final List<SdsIdentitySource> sdsSources = new ArrayList<>();

    private Builder(XdsBootstrap bootstrap, Mesh mesh) {
      this.bootstrap = Objects.requireNonNull(bootstrap, "bootstrap");
      this.mesh = Objects.requireNonNull(mesh, "mesh");
    }

    /** Where reconnects and delayed NACKs are scheduled (default: the mesh's scheduler). */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** The jitter source (default: the mesh's random). */
    public Builder random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /** Measures apply durations (default: the mesh's ticker). */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /** The file base merged under xDS (default: the mesh's config when the client starts). */
    public Builder base(MeshConfig base) {
      this.base = Objects.requireNonNull(base, "base");
      return this;
    }

    /**
     * Feeds {@code source} from this client's ADS stream: its two secrets are subscribed (SDS),
     * checked, ACKed or NACKed like the other resources, and Envoy TLS contexts that name them
     * get the source as their {@code tls.source}. Register the same source with the mesh ({@code
     * Mesh.builder().identitySource(source)}). See {@link SdsIdentitySource}.
     *
     * @throws IllegalArgumentException when a source of that name was given already
     */
    public Builder identitySource(SdsIdentitySource source) {
      Objects.requireNonNull(source, "source");
      for (SdsIdentitySource s : sdsSources) {
        if (s.name().equals(source.name())) {
          throw new IllegalArgumentException("identity source " + source.name()
              + ": given twice");
        }
      }
      sdsSources.add(source);
      return this;
    }

    /**
     * Registers the status on the mesh and opens the first stream.
     *
     * @throws IllegalStateException if the mesh already has an {@code xds} config source, or an
     *     identity source is fed by another client
     * @throws ConfigException if the TLS files cannot be loaded
     */
    public XdsClient start() {
      XdsClient c = new XdsClient(this);
      c.begin();
      return c;
    }
  }
}
