package io.mesh4j.identity;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Ready-made TLS contexts over an {@link IdentitySource}, JDK only (no container classes), so the
 * same server context serves Jetty, Tomcat or a plain {@code SSLServerSocket}, and the client
 * context any HTTP client.
 *
 * <p>Both present the source's current certificate and validate peers against its current trust
 * bundle on every handshake: a rotated certificate or bundle is used by the next connection with
 * no restart, and open connections (and their requests in flight) are never touched. On each
 * rotation the contexts' TLS session caches are emptied, so no session established under the old
 * material is resumed on a new connection.
 *
 * <p>Both offer and accept TLS 1.3 and, with {@code minVersion} {@code 1.2}, TLS 1.2, with AEAD
 * cipher suites only (TLS 1.2: ECDHE key exchange with AES-GCM or ChaCha20-Poly1305), AES-128-GCM
 * first; a server picks by its own order, so a client that lists AES-256-GCM first still gets
 * AES-128-GCM from it. No CBC, static-RSA or finite-field DHE suite is ever enabled.
 *
 * <p>Server ({@link #server}): every engine and socket it creates requires (or, with {@code
 * requireClientCertificate} false, requests) a client certificate chained to the bundle. Jetty 12:
 *
 * <pre>{@code
 * SslContextFactory.Server ssl = new SslContextFactory.Server();
 * ssl.setSslContext(TlsContexts.server(mesh.identitySource("workload")));
 * ssl.setNeedClientAuth(true);                  // Jetty applies its own setting too
 * ssl.setEndpointIdentificationAlgorithm(null); // peers are checked by identity, not host name
 * }</pre>
 *
 * <p>Thread-safe; each call makes a new context.
 */
public final class TlsContexts {
  /** The TLS versions, oldest first. */
  private static final List<String> VERSIONS = List.of("TLSv1.2", "TLSv1.3");

  /**
   * The TLS 1.3 suites, most preferred first. AES-128-GCM leads (as in Mozilla's "modern" and
   * "intermediate" configurations, BoringSSL, Go and Envoy): it is as secure for TLS traffic as
   * AES-256-GCM at a lower cost per record (10 AES rounds instead of 14, and a shorter key
   * schedule). The JDK's own order puts AES-256-GCM first, and a JSSE server picks by its own
   * order, so without this every mesh4j connection paid for AES-256.
   */
  private static final List<String> TLS13_SUITES =
      List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

  /**
   * The TLS 1.2 suites (only with {@code min_version: "1.2"}), most preferred first: ECDHE key
   * exchange (forward secrecy) with an AEAD cipher only. The JDK's defaults also enable CBC
   * suites, static-RSA key exchange and finite-field DHE, which mesh4j never offers or accepts.
   */
  private static final List<String> TLS12_SUITES = List.of(
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  private TlsContexts() {}

  /** A server context requiring client certificates from the bundle, TLS 1.2 or later. */
  public static SSLContext server(IdentitySource source) {
    return server(source, true, PeerVerification.anyTrusted(), PeerObserver.NONE,
        Clock.systemUTC(), "1.2");
  }

  /**
   * A server context.
   *
   * @param source the identity served and the bundle client certificates must chain to
   * @param requireClientCertificate {@code true}: a client without a trusted certificate fails
   *     the handshake (STRICT); {@code false}: a certificate is requested, and one that is
   *     presented must be trusted, but a client may present none (PERMISSIVE)
   * @param clients which client identities are accepted once trusted
   * @param observer told of every client certificate accepted or refused
   * @param clock the time certificates are checked at
   * @param minVersion {@code 1.2} or {@code 1.3}
   */
  public static SSLContext server(IdentitySource source, boolean requireClientCertificate,
      PeerVerification clients, PeerObserver observer, Clock clock, String minVersion) {
    return server(source, () -> requireClientCertificate, clients, observer, clock, minVersion);
  }

  /**
   * A server context whose client-certificate requirement is read each time an engine or socket
   * is made (a mesh switching {@code inbound.tls.mode} between {@code strict} and {@code
   * permissive} applies to the next connection).
   */
  public static SSLContext server(IdentitySource source,
      java.util.function.BooleanSupplier requireClientCertificate, PeerVerification clients,
      PeerObserver observer, Clock clock, String minVersion) {
    Objects.requireNonNull(requireClientCertificate, "requireClientCertificate");
    return context(source, true, clients, observer, clock, minVersion, true,
        requireClientCertificate);
  }

  /**
   * A client context.
   *
   * @param source the bundle servers must chain to, and the certificate presented
   * @param presentCertificate {@code true} for mutual TLS; {@code false} presents none
   * @param servers which server identities are accepted once trusted
   * @param observer told of every server certificate accepted or refused
   * @param clock the time certificates are checked at
   * @param minVersion {@code 1.2} or {@code 1.3}
   * @param sni the server name every handshake sends, whatever host the socket connects to, or
   *     {@code null} for the JDK's default (the host, when it is a name)
   */
  public static ClientTls client(IdentitySource source, boolean presentCertificate,
      PeerVerification servers, PeerObserver observer, Clock clock, String minVersion,
      String sni) {
    BundleTrustManager tm = new BundleTrustManager(source, servers, observer, clock);
    SSLContext c = context(source, presentCertificate, servers, observer, clock, minVersion,
        false, () -> false, tm, sni == null ? null : List.of(new SNIHostName(sni)));
    return new ClientTls(c.getSocketFactory(), tm, c);
  }

  /**
   * The socket factory and trust manager of a client context (OkHttp's {@code
   * sslSocketFactory(factory, trustManager)} takes both).
   *
   * @param socketFactory creates sockets that present the current certificate and verify peers
   * @param trustManager the trust manager the factory uses
   * @param context the whole context
   */
  public record ClientTls(SSLSocketFactory socketFactory, X509TrustManager trustManager,
      SSLContext context) {}

  /** The protocols from {@code minVersion} on: {@code 1.2} or {@code 1.3}. */
  static String[] protocols(String minVersion) {
    String min = "TLSv" + Objects.requireNonNull(minVersion, "minVersion");
    int i = VERSIONS.indexOf(min);
    if (i < 0) {
      throw new IllegalArgumentException("min_version: " + minVersion + " (expected: 1.2 or 1.3)");
    }
    return VERSIONS.subList(i, VERSIONS.size()).toArray(new String[0]);
  }

  private static SSLContext context(IdentitySource source, boolean presentCertificate,
      PeerVerification peers, PeerObserver observer, Clock clock, String minVersion,
      boolean server, java.util.function.BooleanSupplier requireClient) {
    return context(source, presentCertificate, peers, observer, clock, minVersion, server,
        requireClient, new BundleTrustManager(source, peers, observer, clock), null);
  }

  /**
   * The cipher suites a context with {@code minVersion} offers and accepts, most preferred first:
   * AEAD suites only (TLS 1.3's, and for {@code 1.2} the ECDHE + AES-GCM / ChaCha20-Poly1305 ones),
   * AES-128-GCM first, minus any this JVM does not enable by default (its {@code
   * jdk.tls.disabledAlgorithms}, or a provider without ChaCha20).
   *
   * @param enabled the suites the JVM's own context enables by default
   * @throws IllegalStateException when none is left
   */
  static String[] cipherSuites(String minVersion, List<String> enabled) {
    List<String> wanted = new java.util.ArrayList<>(TLS13_SUITES);
    if (protocols(minVersion).length > 1) wanted.addAll(TLS12_SUITES);
    wanted.retainAll(enabled);
    if (wanted.isEmpty()) {
      throw new IllegalStateException("TLS: none of the AEAD cipher suites mesh4j uses is enabled"
          + " in this JVM (see jdk.tls.disabledAlgorithms): " + TLS13_SUITES + " " + TLS12_SUITES);
    }
    return wanted.toArray(new String[0]);
  }

  private static SSLContext context(IdentitySource source, boolean presentCertificate,
      PeerVerification peers, PeerObserver observer, Clock clock, String minVersion,
      boolean server, java.util.function.BooleanSupplier requireClient, BundleTrustManager tm,
      List<SNIServerName> serverNames) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(peers, "peers");
    Objects.requireNonNull(observer, "observer");
    Objects.requireNonNull(clock, "clock");
    String[] protocols = protocols(minVersion);
    KeyManager[] kms = presentCertificate ? new KeyManager[] {new CurrentKeyManager(source)} : null;
    java.util.function.Supplier<SSLContext> fresh = () -> {
      try {
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(kms, new TrustManager[] {tm}, new SecureRandom());
        return c;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("TLS is not available in this JVM", e);
      }
    };
    SSLContext inner = fresh.get();
    String[] suites = cipherSuites(minVersion,
        java.util.Arrays.asList(inner.getDefaultSSLParameters().getCipherSuites()));
    Spi spi = new Spi(inner, fresh, protocols, suites, server, requireClient, serverNames);
    // Sessions made with the previous material must not be resumed once it changed.
    source.onChange(id -> spi.renew());
    return new Configured(spi, inner);
  }

  /**
   * Invalidates every session of {@code ctx}, as far as its provider allows: some (Conscrypt)
   * refuse to invalidate a cached session, or do not list their client sessions; those are left
   * to {@link Spi#renew}, which drops the whole cache.
   */
  static void clear(SSLSessionContext ctx) {
    if (ctx == null) return;
    for (byte[] id : Collections.list(ctx.getIds())) {
      javax.net.ssl.SSLSession s = ctx.getSession(id);
      if (s == null) continue;
      try {
        s.invalidate();
      } catch (UnsupportedOperationException e) {
        return;
      }
    }
  }

  /** An {@link SSLContext} whose engines and sockets come configured. */
  private static final class Configured extends SSLContext {
    Configured(Spi spi, SSLContext inner) {
      super(spi, inner.getProvider(), inner.getProtocol());
    }
  }

  private static final class Spi extends SSLContextSpi {
    /** The provider's context in force; replaced, with its session caches, when the material changes. */
    private volatile SSLContext inner;
    private final java.util.function.Supplier<SSLContext> fresh;
    private final String[] protocols;
    /** The cipher suites, most preferred first ({@link #cipherSuites}). */
    private final String[] suites;
    private final boolean server;
    private final java.util.function.BooleanSupplier requireClient;
    /** The client's SNI, or null for the JDK's choice. */
    private final List<SNIServerName> serverNames;

    Spi(SSLContext inner, java.util.function.Supplier<SSLContext> fresh, String[] protocols,
        String[] suites, boolean server, java.util.function.BooleanSupplier requireClient,
        List<SNIServerName> serverNames) {
      this.inner = inner;
      this.fresh = fresh;
      this.protocols = protocols;
      this.suites = suites;
      this.server = server;
      this.requireClient = requireClient;
      this.serverNames = serverNames;
    }

    SSLParameters configure(SSLParameters p) {
      p.setProtocols(protocols);
      p.setCipherSuites(suites.clone());
      if (server) {
        // The server picks the suite by its own order (the JDK's default; said here so that a
        // client listing AES-256-GCM first still gets AES-128-GCM).
        p.setUseCipherSuitesOrder(true);
        if (requireClient.getAsBoolean()) p.setNeedClientAuth(true);
        else p.setWantClientAuth(true);
      } else {
        p.setEndpointIdentificationAlgorithm(null);
        if (serverNames != null) p.setServerNames(serverNames);
      }
      return p;
    }

    SSLEngine configure(SSLEngine e) {
      if (!server) forgetSessions();
      e.setSSLParameters(configure(e.getSSLParameters()));
      if (server) e.setUseClientMode(false);
      return e;
    }

    Socket configure(Socket s) {
      if (s instanceof SSLSocket ssl) {
        ssl.setSSLParameters(configure(ssl.getSSLParameters()));
        if (!server) forgetSessions();
      }
      return s;
    }

    /**
     * The identity or the trust bundle changed: later sockets and engines come from a new context
     * of the same provider, whose session caches are empty, so no session made with the previous
     * material is resumed whatever the provider allows to invalidate; the old caches are cleared
     * as far as they can be.
     */
    void renew() {
      SSLContext old = inner;
      inner = fresh.get();
      clear(old.getClientSessionContext());
      clear(old.getServerSessionContext());
    }

    /**
     * A client never resumes: a resumed session skips the certificates, so a rotated (or expired,
     * or no longer trusted) server certificate would live on in it. One full handshake per new
     * connection; pooled connections make that rare. The cache holds at most the sessions of
     * connections made since the last one, so this is cheap. (A provider that neither lists nor
     * invalidates its client sessions, as Conscrypt, may still resume a session made since the
     * last change of the material; {@link #renew} drops those at the change.)
     */
    void forgetSessions() {
      clear(inner.getClientSessionContext());
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr)
        throws KeyManagementException {
      throw new KeyManagementException("a mesh4j TLS context is initialised already");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      return new Sockets(this);
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      return new ServerSockets(this);
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      return configure(inner.createSSLEngine());
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      return configure(inner.createSSLEngine(host, port));
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      return inner.getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      return inner.getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
      return configure(inner.getDefaultSSLParameters());
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
      return inner.getSupportedSSLParameters();
    }
  }

  private static final class Sockets extends SSLSocketFactory {
    private final Spi spi;

    Sockets(Spi spi) {
      this.spi = spi;
    }

    /** The factory of the context in force ({@link Spi#renew} replaces it). */
    private SSLSocketFactory f() {
      return spi.inner.getSocketFactory();
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return spi.suites.clone();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return f().getSupportedCipherSuites();
    }

    /**
     * TLS over a connected socket (how OkHttp makes its TLS connections), reading it through a
     * buffer: JSSE reads each record's header and body separately ({@link BufferedReadSocket}).
     */
    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose)
        throws IOException {
      Socket under = s instanceof BufferedReadSocket ? s : new BufferedReadSocket(s);
      return spi.configure(f().createSocket(under, host, port, autoClose));
    }

    @Override
    public Socket createSocket() throws IOException {
      return spi.configure(f().createSocket());
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return spi.configure(f().createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress local, int localPort)
        throws IOException {
      return spi.configure(f().createSocket(host, port, local, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return spi.configure(f().createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress local, int localPort)
        throws IOException {
      return spi.configure(f().createSocket(address, port, local, localPort));
    }
  }

  private static final class ServerSockets extends SSLServerSocketFactory {
    private final Spi spi;

    ServerSockets(Spi spi) {
      this.spi = spi;
    }

    /** The factory of the context in force ({@link Spi#renew} replaces it). */
    private SSLServerSocketFactory f() {
      return spi.inner.getServerSocketFactory();
    }

    private java.net.ServerSocket configure(java.net.ServerSocket s) {
      if (s instanceof SSLServerSocket ssl) ssl.setSSLParameters(spi.configure(ssl.getSSLParameters()));
      return s;
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return spi.suites.clone();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return f().getSupportedCipherSuites();
    }

    @Override
    public java.net.ServerSocket createServerSocket() throws IOException {
      return configure(f().createServerSocket());
    }

    @Override
    public java.net.ServerSocket createServerSocket(int port) throws IOException {
      return configure(f().createServerSocket(port));
    }

    @Override
    public java.net.ServerSocket createServerSocket(int port, int backlog) throws IOException {
      return configure(f().createServerSocket(port, backlog));
    }

    @Override
    public java.net.ServerSocket createServerSocket(int port, int backlog, InetAddress address)
        throws IOException {
      return configure(f().createServerSocket(port, backlog, address));
    }
  }
}
