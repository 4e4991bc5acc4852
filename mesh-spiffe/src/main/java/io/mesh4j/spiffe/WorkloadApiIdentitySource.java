package io.mesh4j.spiffe;

import com.google.protobuf.ByteString;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.mesh4j.identity.IdentitySource;
import io.mesh4j.identity.KeyMaterial;
import io.mesh4j.identity.RotatingIdentitySource;
import io.mesh4j.identity.WorkloadIdentity;
import io.spiffe.workloadapi.grpc.SpiffeWorkloadAPIGrpc;
import io.spiffe.workloadapi.grpc.Workload;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link IdentitySource} fed by the SPIFFE Workload API: the local agent (SPIRE's, or any
 * implementation of the API) streams this workload's X.509 SVIDs and trust bundle over a Unix
 * domain socket, and each message becomes the new {@link WorkloadIdentity}.
 *
 * <p>{@link Builder#build()} connects to the socket, opens the {@code FetchX509SVID} stream and
 * waits (up to {@link Builder#initialTimeout}) for the first SVID; a source that gets none fails
 * to build, naming the socket and why. From then on every message that carries different material
 * is checked ({@link WorkloadIdentity#of}: the key must belong to the leaf) and swapped in, with a
 * generation one higher, before the listeners are called. A message that cannot be used (no SVID,
 * a bad certificate or key, none with the configured {@link Builder#spiffeId}) is refused: the
 * previous identity stays in service and {@link #lastError()} says why.
 *
 * <p>When the stream ends or fails (the agent restarts, the socket goes away), the source keeps
 * serving the last identity and reconnects with exponential backoff and jitter (from {@link
 * Builder#backoff} initial up to its maximum; reset once a message arrives). {@link #close()}
 * cancels the stream, shuts the channel and the source's two threads down and waits for them.
 *
 * <p>The identity is the first SVID of the response (the default one, as the Workload API
 * specifies) or the one whose SPIFFE ID is {@link Builder#spiffeId}; the trust bundle is that
 * SVID's trust domain bundle (federated bundles are not trusted). Linux only: the Unix socket
 * transport is Netty's epoll, shaded inside grpc-netty-shaded (x86_64 and aarch64).
 *
 * <p>Listeners run on the source's own thread ({@code mesh4j-spiffe-<name>}). Thread-safe.
 *
 * <pre>{@code
 * WorkloadApiIdentitySource spiffe = WorkloadApiIdentitySource.builder("workload")
 *     .socket("unix:///run/spire/sockets/agent.sock")   // default: $SPIFFE_ENDPOINT_SOCKET
 *     .build();
 * Mesh mesh = Mesh.builder().config(config).identitySource(spiffe).build();
 * // config: identity_sources: [{ name: workload }] and clusters[].tls.source: workload
 * }</pre>
 */
public final class WorkloadApiIdentitySource extends RotatingIdentitySource {
  private static final Logger log = LoggerFactory.getLogger(WorkloadApiIdentitySource.class);
  /** The environment variable the Workload API address is read from by default. */
  public static final String SOCKET_ENV = "SPIFFE_ENDPOINT_SOCKET";
  private static final Metadata.Key<String> SECURITY_HEADER =
      Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);

  private final String address;
  private final Path socket;
  private final String spiffeId;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final ScheduledExecutorService executor;
  private final EventLoopGroup eventLoop;
  private final ManagedChannel channel;
  private final SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIStub stub;
  private final CountDownLatch first = new CountDownLatch(1);
  /** Every thread the source started, joined by {@link #close()}. */
  private final List<Thread> threads = new CopyOnWriteArrayList<>();

  private volatile boolean closed;
  private volatile long connects;
  // Confined to the executor thread:
  private ClientCallStreamObserver<Workload.X509SVIDRequest> call;
  private ScheduledFuture<?> retry;
  private Duration nextBackoff;

  private WorkloadApiIdentitySource(Builder b, String address, Path socket) {
    super(b.name);
    this.address = address;
    this.socket = socket;
    this.spiffeId = b.spiffeId;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.nextBackoff = b.initialBackoff;
    this.executor = Executors.newSingleThreadScheduledExecutor(
        r -> thread(r, "mesh4j-spiffe-" + b.name));
    this.eventLoop = new EpollEventLoopGroup(1,
        (ThreadFactory) r -> thread(r, "mesh4j-spiffe-io-" + b.name));
    this.channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .eventLoopGroup(eventLoop)
        .channelType(EpollDomainSocketChannel.class)
        .executor(executor)
        // gRPC asks every channel for TCP keep-alive; a Unix socket has none (Netty would warn
        // on each connect). The Workload API stream needs none either: the agent is local.
        .withOption(ChannelOption.SO_KEEPALIVE, null)
        .usePlaintext()
        .build();
    Metadata headers = new Metadata();
    headers.put(SECURITY_HEADER, "true");
    this.stub = SpiffeWorkloadAPIGrpc.newStub(ClientInterceptors.intercept(channel,
        MetadataUtils.newAttachHeadersInterceptor(headers)));
  }

  private Thread thread(Runnable r, String threadName) {
    Thread t = new Thread(r, threadName);
    t.setDaemon(true);
    threads.add(t);
    return t;
  }

  /** A builder for the source called {@code name} (the name config's {@code tls.source} uses). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  private void connect() {
    if (closed) return;
    retry = null;
    connects++;
    stub.fetchX509SVID(Workload.X509SVIDRequest.getDefaultInstance(), new Observer());
  }

  private final class Observer
      implements ClientResponseObserver<Workload.X509SVIDRequest, Workload.X509SVIDResponse> {
    private ClientCallStreamObserver<Workload.X509SVIDRequest> mine;

    @Override
    public void beforeStart(ClientCallStreamObserver<Workload.X509SVIDRequest> requestStream) {
      mine = requestStream;
      call = requestStream;
    }

    @Override
    public void onNext(Workload.X509SVIDResponse response) {
      if (closed) return;
      nextBackoff = initialBackoff; // the agent answers: the next outage starts from scratch
      WorkloadIdentity next;
      try {
        next = toIdentity(response);
      } catch (IllegalArgumentException e) {
        refuse("refused an update from " + address + ": " + e.getMessage());
        return;
      }
      boolean initial = current() == null;
      if (publish(next) && initial) {
        log.info("mesh4j: identity source {} got {} from {}", name(), current(), address);
      }
      first.countDown();
    }

    @Override
    public void onError(Throwable t) {
      Status s = Status.fromThrowable(t);
      streamEnded(s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription()));
    }

    @Override
    public void onCompleted() {
      streamEnded("the agent ended the stream");
    }

    private void streamEnded(String why) {
      if (call == mine) call = null;
      if (closed) return;
      Duration wait = nextBackoff;
      long doubled = Math.min(maxBackoff.toMillis(), wait.toMillis() * 2);
      nextBackoff = Duration.ofMillis(doubled);
      // Full jitter on the upper half, so a fleet restarted with its agent does not reconnect in
      // lock step.
      long delay = wait.toMillis() / 2
          + ThreadLocalRandom.current().nextLong(wait.toMillis() / 2 + 1);
      // Deduplicated by reason, so an agent that stays down logs one warning, not one per try.
      refuse("Workload API " + address + ": " + why + "; reconnecting");
      log.debug("mesh4j: identity source {}: reconnecting in {}ms", name(), delay);
      retry = executor.schedule(WorkloadApiIdentitySource.this::connect, delay,
          TimeUnit.MILLISECONDS);
    }
  }

  /** Turns one Workload API message into an identity; never puts key bytes in a message. */
  WorkloadIdentity toIdentity(Workload.X509SVIDResponse response) {
    if (response.getSvidsCount() == 0) {
      throw new IllegalArgumentException("the response holds no X.509 SVID");
    }
    Workload.X509SVID svid = null;
    if (spiffeId == null) {
      svid = response.getSvids(0);
    } else {
      List<String> offered = new ArrayList<>();
      for (Workload.X509SVID s : response.getSvidsList()) {
        if (s.getSpiffeId().equals(spiffeId)) svid = s;
        offered.add(s.getSpiffeId());
      }
      if (svid == null) {
        throw new IllegalArgumentException("no SVID for " + spiffeId + " (offered: " + offered
            + ")");
      }
    }
    String id = svid.getSpiffeId();
    List<X509Certificate> chain = certificates(svid.getX509Svid(), id + " x509_svid");
    List<X509Certificate> bundle = certificates(svid.getBundle(), id + " bundle");
    PrivateKey key = privateKey(svid.getX509SvidKey(), id + " x509_svid_key");
    try {
      return WorkloadIdentity.of(chain, key, bundle);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(id + ": " + e.getMessage(), e);
    }
  }

  /** The DER certificates of an SVID field ({@link KeyMaterial} reads them). */
  private static List<X509Certificate> certificates(ByteString der, String what) {
    if (der.isEmpty()) throw new IllegalArgumentException(what + ": empty");
    return KeyMaterial.certificates(der.toByteArray(), what);
  }

  /** The DER PKCS#8 key of an SVID; the copy of its bytes is wiped once read. */
  private static PrivateKey privateKey(ByteString der, String what) {
    if (der.isEmpty()) throw new IllegalArgumentException(what + ": empty");
    byte[] bytes = der.toByteArray();
    try {
      return KeyMaterial.privateKey(bytes, what);
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  @Override
  public String describe() {
    return "spiffe workload api " + address + (spiffeId == null ? "" : " spiffe_id=" + spiffeId);
  }

  /** How many times the source has opened the stream (1 after a clean start). */
  public long connects() {
    return connects;
  }

  /** The socket the source connects to. */
  public Path socket() {
    return socket;
  }

  /**
   * Cancels the stream, stops reconnecting and shuts the source's threads down, waiting up to a
   * few seconds for them; {@link #current()} keeps answering the last identity. Idempotent.
   */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    // From a listener (the source's own thread) nothing can be waited for: it would wait for itself.
    boolean own = threads.contains(Thread.currentThread());
    Runnable cancel = () -> {
      if (retry != null) retry.cancel(false);
      if (call != null) call.cancel("identity source closed", null);
    };
    if (own) {
      cancel.run();
    } else {
      try {
        executor.submit(cancel).get(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        log.debug("mesh4j: identity source {}: cancelling the stream", name(), e);
      }
    }
    channel.shutdownNow();
    eventLoop.shutdownGracefully(0, 5, TimeUnit.SECONDS);
    executor.shutdownNow();
    if (own) return;
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
      eventLoop.terminationFuture().await(5, TimeUnit.SECONDS);
      executor.awaitTermination(5, TimeUnit.SECONDS);
      // A pool reports termination just before its thread has finished: wait for the threads.
      for (Thread t : threads) t.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Configures a {@link WorkloadApiIdentitySource}; not thread-safe. */
  public static final class Builder {
    private final String name;
    private String socket;
    private String spiffeId;
    private Duration initialTimeout = Duration.ofSeconds(30);
    private Duration initialBackoff = Duration.ofMillis(500);
    private Duration maxBackoff = Duration.ofSeconds(30);
    private Map<String, String> environment = System.getenv();

    private Builder(String name) {
      this.name = Objects.requireNonNull(name, "name");
      if (name.isEmpty()) throw new IllegalArgumentException("name: empty");
    }

    /**
     * The Workload API address: {@code unix:///path/to/agent.sock} (or {@code unix:/path}). Default:
     * the {@code SPIFFE_ENDPOINT_SOCKET} environment variable.
     *
     * @throws IllegalArgumentException when it is not a {@code unix:} address with an absolute path
     */
    public Builder socket(String address) {
      Objects.requireNonNull(address, "socket");
      parse(address, "socket");
      this.socket = address;
      return this;
    }

    /** The Workload API socket file. */
    public Builder socket(Path file) {
      Objects.requireNonNull(file, "socket");
      return socket("unix://" + file.toAbsolutePath());
    }

    /** Serve the SVID with this SPIFFE ID rather than the first (default) one the agent sends. */
    public Builder spiffeId(String id) {
      Objects.requireNonNull(id, "spiffeId");
      if (!id.startsWith("spiffe://") || id.length() <= "spiffe://".length()) {
        throw new IllegalArgumentException("spiffeId: \"" + id
            + "\" (expected: spiffe://trust-domain/path)");
      }
      this.spiffeId = id;
      return this;
    }

    /** How long {@link #build()} waits for the first SVID (default 30s). */
    public Builder initialTimeout(Duration timeout) {
      this.initialTimeout = positive(timeout, "initialTimeout");
      return this;
    }

    /**
     * The reconnect backoff after the stream breaks: {@code initial} (default 500ms), doubling up
     * to {@code max} (default 30s), each wait drawn from its upper half.
     */
    public Builder backoff(Duration initial, Duration max) {
      positive(initial, "backoff initial");
      positive(max, "backoff max");
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException("backoff max: " + max + " (expected: >= initial "
            + initial + ")");
      }
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /** Where {@code SPIFFE_ENDPOINT_SOCKET} is read from (default: the process environment). */
    Builder environment(Map<String, String> env) {
      this.environment = Objects.requireNonNull(env, "environment");
      return this;
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero() || d.toMillis() == 0) {
        throw new IllegalArgumentException(what + ": " + d + " (expected: >= 1ms)");
      }
      return d;
    }

    private static Path parse(String address, String what) {
      URI uri;
      try {
        uri = new URI(address);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException(what + ": \"" + address
            + "\" (expected: unix:///path/to/socket)", e);
      }
      String path = uri.getPath();
      if (!"unix".equals(uri.getScheme()) || path == null || !path.startsWith("/")
          || (uri.getAuthority() != null && !uri.getAuthority().isEmpty())
          || uri.getQuery() != null || uri.getFragment() != null) {
        throw new IllegalArgumentException(what + ": \"" + address
            + "\" (expected: unix:///path/to/socket)");
      }
      return Path.of(path);
    }

    /**
     * Connects, waits for the first SVID and starts following the stream.
     *
     * @throws IllegalArgumentException naming the source when no socket is given and {@code
     *     SPIFFE_ENDPOINT_SOCKET} is unset or not a {@code unix:} address
     * @throws IllegalStateException naming the source, the socket and the last error when no
     *     usable SVID arrived within {@link #initialTimeout}, or Unix sockets are unavailable
     */
    public WorkloadApiIdentitySource build() {
      String address = socket;
      if (address == null) {
        address = environment.get(SOCKET_ENV);
        if (address == null || address.isEmpty()) {
          throw new IllegalArgumentException("identity source " + name + ": no socket given and "
              + SOCKET_ENV + " is not set");
        }
      }
      Path path;
      try {
        path = parse(address, address == socket ? "socket" : SOCKET_ENV);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("identity source " + name + ": " + e.getMessage(), e);
      }
      if (!Epoll.isAvailable()) {
        throw new IllegalStateException("identity source " + name + ": the Workload API needs"
            + " Unix domain sockets through epoll (Linux x86_64/aarch64): "
            + Epoll.unavailabilityCause());
      }
      WorkloadApiIdentitySource s = new WorkloadApiIdentitySource(this, address, path);
      s.executor.execute(s::connect);
      boolean got;
      try {
        got = s.first.await(initialTimeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        got = false;
      }
      if (!got) {
        String why = s.lastError();
        s.close();
        throw new IllegalStateException("identity source " + name + ": no X.509 SVID from "
            + address + " within " + initialTimeout.toMillis() + "ms"
            + (why == null ? "" : " (" + why + ")"));
      }
      return s;
    }
  }
}
