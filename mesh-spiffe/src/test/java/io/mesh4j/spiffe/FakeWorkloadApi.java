package io.mesh4j.spiffe;

import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.mesh4j.identity.TestPki;
import io.spiffe.workloadapi.grpc.SpiffeWorkloadAPIGrpc;
import io.spiffe.workloadapi.grpc.Workload;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A SPIFFE Workload API server for tests: real gRPC over a Unix domain socket, answering {@code
 * FetchX509SVID} with the current response at once and pushing each {@link #push} to every open
 * stream. Like SPIRE's agent it refuses calls without the {@code workload.spiffe.io: true} header.
 * {@link #stop()} and {@link #start()} simulate an agent restart on the same socket.
 */
final class FakeWorkloadApi implements AutoCloseable {
  static final Metadata.Key<String> SECURITY_HEADER =
      Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);

  private final Path socket;
  private final List<ServerCallStreamObserver<Workload.X509SVIDResponse>> streams =
      new CopyOnWriteArrayList<>();
  final AtomicInteger calls = new AtomicInteger();
  final AtomicInteger refusedCalls = new AtomicInteger();
  private volatile Workload.X509SVIDResponse current;
  private EventLoopGroup boss;
  private EventLoopGroup workers;
  private Server server;

  FakeWorkloadApi(Path socket, Workload.X509SVIDResponse first) {
    this.socket = socket;
    this.current = first;
  }

  static Workload.X509SVIDResponse response(String spiffeId, TestPki.Held leaf,
      TestPki.Held... bundle) {
    return Workload.X509SVIDResponse.newBuilder().addSvids(svid(spiffeId, leaf, bundle)).build();
  }

  static Workload.X509SVID svid(String spiffeId, TestPki.Held leaf, TestPki.Held... bundle) {
    return Workload.X509SVID.newBuilder()
        .setSpiffeId(spiffeId)
        .setX509Svid(der(leaf))
        .setX509SvidKey(ByteString.copyFrom(leaf.privateKey().getEncoded()))
        .setBundle(der(bundle))
        .build();
  }

  static ByteString der(TestPki.Held... certs) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (TestPki.Held c : certs) {
      try {
        out.writeBytes(c.certificate().getEncoded());
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException(e);
      }
    }
    return ByteString.copyFrom(out.toByteArray());
  }

  FakeWorkloadApi start() throws Exception {
    Files.deleteIfExists(socket);
    boss = new EpollEventLoopGroup(1);
    workers = new EpollEventLoopGroup(1);
    ServerInterceptor requireHeader = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        if (!"true".equals(headers.get(SECURITY_HEADER))) {
          refusedCalls.incrementAndGet();
          call.close(Status.INVALID_ARGUMENT.withDescription("security header missing"),
              new Metadata());
          return new ServerCall.Listener<>() {};
        }
        return next.startCall(call, headers);
      }
    };
    server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .bossEventLoopGroup(boss)
        .workerEventLoopGroup(workers)
        .channelType(EpollServerDomainSocketChannel.class)
        .withChildOption(ChannelOption.SO_KEEPALIVE, null) // no TCP keep-alive on a Unix socket
        .addService(ServerInterceptors.intercept(new Service(), requireHeader))
        .build()
        .start();
    return this;
  }

  /** Sends {@code response} on every open stream and to every stream opened from now on. */
  void push(Workload.X509SVIDResponse response) {
    current = response;
    for (ServerCallStreamObserver<Workload.X509SVIDResponse> s : streams) {
      synchronized (s) {
        if (!s.isCancelled()) s.onNext(response);
      }
    }
  }

  int openStreams() {
    return (int) streams.stream().filter(s -> !s.isCancelled()).count();
  }

  /** The agent goes away: streams are cut, the socket closes. */
  void stop() throws InterruptedException {
    streams.clear();
    if (server != null) {
      server.shutdownNow();
      server.awaitTermination(5, TimeUnit.SECONDS);
      server = null;
    }
    if (boss != null) {
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
      boss = null;
      workers = null;
    }
  }

  @Override
  public void close() throws Exception {
    stop();
    Files.deleteIfExists(socket);
  }

  private final class Service extends SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIImplBase {
    @Override
    public void fetchX509SVID(Workload.X509SVIDRequest request,
        StreamObserver<Workload.X509SVIDResponse> observer) {
      calls.incrementAndGet();
      ServerCallStreamObserver<Workload.X509SVIDResponse> s =
          (ServerCallStreamObserver<Workload.X509SVIDResponse>) observer;
      s.setOnCancelHandler(() -> streams.remove(s));
      streams.add(s);
      synchronized (s) {
        s.onNext(current); // a push racing with this sends the same (newest) response twice
      }
    }
  }
}
