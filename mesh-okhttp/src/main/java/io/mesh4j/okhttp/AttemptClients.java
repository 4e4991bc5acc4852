package io.mesh4j.okhttp;

import java.net.Proxy;
import java.net.ProxySelector;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.Authenticator;
import okhttp3.Cache;
import okhttp3.CertificatePinner;
import okhttp3.ConnectionPool;
import okhttp3.CookieJar;
import okhttp3.Dispatcher;
import okhttp3.Dns;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;

/**
 * The clients attempts are made with. The base one is derived from the wrapped client when it is
 * wrapped; a call whose chain reports other settings (a client derived with {@code
 * newBuilder().readTimeout(...)}, or an application interceptor that called {@code
 * chain.withReadTimeout(...)}) gets a variant of the base with those settings, made once and
 * cached. Every setting an {@link Interceptor.Chain} exposes is honoured this way: the three
 * timeouts, connection pool, DNS, socket factories, TLS (factory, trust manager, hostname
 * verifier, pinner), proxy, proxy selector, authenticators, cookie jar and cache. Settings a
 * chain does not expose (network interceptors, protocols, the event listener factory) come from
 * the client that was wrapped.
 *
 * <p>The check is a few identity comparisons and allocates nothing when the settings are the base
 * client's. At most {@value #MAX_VARIANTS} variants are cached; past that, variants are built per
 * call (correct, only slower). Thread-safe.
 */
final class AttemptClients {
  static final int MAX_VARIANTS = 32;

  private final OkHttpClient base;
  private final Variant baseVariant;
  private final SSLSocketFactory baseSslSocketFactory;
  private final ConcurrentHashMap<Settings, Variant> variants = new ConcurrentHashMap<>();

  AttemptClients(OkHttpClient base) {
    this.base = base;
    this.baseVariant = new Variant(base);
    SSLSocketFactory f;
    try {
      f = base.sslSocketFactory();
    } catch (IllegalStateException cleartextOnly) {
      f = null;
    }
    this.baseSslSocketFactory = f;
  }

  OkHttpClient base() {
    return base;
  }

  /** The attempt client of a call made with the wrapped client's own settings. */
  Variant baseVariant() {
    return baseVariant;
  }

  /** The attempt client (and its per-endpoint targeting) for the call {@code chain} belongs to. */
  Variant forChain(Interceptor.Chain chain) {
    OkHttpClient b = base;
    if (chain.connectTimeoutMillis() == b.connectTimeoutMillis()
        && chain.readTimeoutMillis() == b.readTimeoutMillis()
        && chain.writeTimeoutMillis() == b.writeTimeoutMillis()
        && chain.getConnectionPool() == b.connectionPool()
        && chain.getDns() == b.dns()
        && chain.getSocketFactory() == b.socketFactory()
        && chain.getSslSocketFactoryOrNull() == baseSslSocketFactory
        && chain.getX509TrustManagerOrNull() == b.x509TrustManager()
        && chain.getHostnameVerifier() == b.hostnameVerifier()
        && chain.getCertificatePinner() == b.certificatePinner()
        && chain.getProxy() == b.proxy()
        && chain.getProxySelector() == b.proxySelector()
        && chain.getAuthenticator() == b.authenticator()
        && chain.getProxyAuthenticator() == b.proxyAuthenticator()
        && chain.getCookieJar() == b.cookieJar()
        && chain.getCache() == b.cache()) {
      return baseVariant;
    }
    Settings s = Settings.of(chain);
    Variant v = variants.get(s);
    if (v != null) return v;
    v = new Variant(variant(s));
    if (variants.size() < MAX_VARIANTS) {
      Variant raced = variants.putIfAbsent(s, v);
      if (raced != null) v = raced;
    }
    return v;
  }

  /**
   * One attempt client and, when its socket factory allows it, the per-endpoint clients that
   * reach an endpoint without rewriting the URL ({@link EndpointTargeting}).
   */
  static final class Variant {
    final OkHttpClient client;
    /** Null when attempts must rewrite the URL instead (a custom socket factory). */
    final EndpointTargeting targeting;
    private volatile Variant unqueued;
    /** This variant speaking a cluster's TLS, by the cluster's {@code ClusterTls}; bounded. */
    private final ConcurrentHashMap<io.mesh4j.internal.tls.ClusterTls, Variant> tls =
        new ConcurrentHashMap<>();

    Variant(OkHttpClient client) {
      this.client = client;
      this.targeting = EndpointTargeting.supports(client) ? new EndpointTargeting(client) : null;
    }

    /**
     * This variant speaking {@code t}'s TLS to the endpoints (its socket factory, trust manager,
     * and no host name check: the trust manager verifies the peer's identity), made once per
     * cluster TLS. Connections stay pooled per endpoint, apart from plaintext ones.
     */
    Variant tls(io.mesh4j.internal.tls.ClusterTls t) {
      Variant v = tls.get(t);
      if (v != null) return v;
      if (tls.size() >= MAX_VARIANTS) tls.clear(); // reloads that replaced the cluster's TLS
      return tls.computeIfAbsent(t, k -> new Variant(withTls(client, k)));
    }

    /**
     * This variant on a dispatcher of its own with no limits, made once: for the {@code
     * enqueue()}d attempts of a call that already holds a slot of the client's dispatcher (a
     * hedging call run by the interceptor on a dispatcher thread), which must never queue behind
     * calls that wait for them.
     */
    Variant unqueued() {
      Variant v = unqueued;
      if (v == null) {
        synchronized (this) {
          v = unqueued;
          if (v == null) {
            Dispatcher d = new Dispatcher();
            d.setMaxRequests(Integer.MAX_VALUE);
            d.setMaxRequestsPerHost(Integer.MAX_VALUE);
            unqueued = v = new Variant(client.newBuilder().dispatcher(d).build());
          }
        }
      }
      return v;
    }
  }

  /** Accepts any host name: the cluster's trust manager has verified the peer's identity. */
  static final HostnameVerifier IDENTITY_VERIFIED = (host, session) -> true;

  /**
   * {@code c} speaking {@code t}'s TLS, with the network interceptor that checks a route's {@code
   * verify} ({@link RouteVerify#CHECK}) on the connection each request is about to use.
   */
  static OkHttpClient withTls(OkHttpClient c, io.mesh4j.internal.tls.ClusterTls t) {
    OkHttpClient.Builder b = c.newBuilder()
        .sslSocketFactory(t.socketFactory(), t.trustManager())
        .hostnameVerifier(IDENTITY_VERIFIED)
        .certificatePinner(CertificatePinner.DEFAULT);
    if (!c.networkInterceptors().contains(RouteVerify.CHECK)) {
      b.addNetworkInterceptor(RouteVerify.CHECK);
    }
    return b.build();
  }

  private OkHttpClient variant(Settings s) {
    OkHttpClient.Builder b =
        base.newBuilder()
            .connectTimeout(s.connect, TimeUnit.MILLISECONDS)
            .readTimeout(s.read, TimeUnit.MILLISECONDS)
            .writeTimeout(s.write, TimeUnit.MILLISECONDS)
            .connectionPool(s.pool)
            .dns(s.dns)
            .socketFactory(s.socketFactory)
            .hostnameVerifier(s.hostnameVerifier)
            .certificatePinner(s.pinner)
            .proxy(s.proxy)
            .proxySelector(s.proxySelector)
            .authenticator(s.authenticator)
            .proxyAuthenticator(s.proxyAuthenticator)
            .cookieJar(s.cookieJar)
            .cache(s.cache);
    if (s.sslSocketFactory != null && s.trustManager != null) {
      b.sslSocketFactory(s.sslSocketFactory, s.trustManager);
    }
    return b.build();
  }

  /** What a chain says about the connection settings of its call. Compared by identity. */
  private record Settings(
      int connect, int read, int write, ConnectionPool pool, Dns dns, SocketFactory socketFactory,
      SSLSocketFactory sslSocketFactory, X509TrustManager trustManager,
      HostnameVerifier hostnameVerifier, CertificatePinner pinner, Proxy proxy,
      ProxySelector proxySelector, Authenticator authenticator, Authenticator proxyAuthenticator,
      CookieJar cookieJar, Cache cache) {

    static Settings of(Interceptor.Chain c) {
      return new Settings(
          c.connectTimeoutMillis(), c.readTimeoutMillis(), c.writeTimeoutMillis(),
          c.getConnectionPool(), c.getDns(), c.getSocketFactory(), c.getSslSocketFactoryOrNull(),
          c.getX509TrustManagerOrNull(), c.getHostnameVerifier(), c.getCertificatePinner(),
          c.getProxy(), c.getProxySelector(), c.getAuthenticator(), c.getProxyAuthenticator(),
          c.getCookieJar(), c.getCache());
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Settings s
          && connect == s.connect && read == s.read && write == s.write
          && pool == s.pool && dns == s.dns && socketFactory == s.socketFactory
          && sslSocketFactory == s.sslSocketFactory && trustManager == s.trustManager
          && hostnameVerifier == s.hostnameVerifier && pinner == s.pinner && proxy == s.proxy
          && proxySelector == s.proxySelector && authenticator == s.authenticator
          && proxyAuthenticator == s.proxyAuthenticator && cookieJar == s.cookieJar
          && cache == s.cache;
    }

    @Override
    public int hashCode() {
      return Objects.hash(connect, read, write, System.identityHashCode(pool),
          System.identityHashCode(dns), System.identityHashCode(proxy),
          System.identityHashCode(cookieJar));
    }
  }
}
