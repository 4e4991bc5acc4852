package io.mesh4j.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import okhttp3.HttpUrl;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/** An embedded Jetty 12 (ee10) server on 127.0.0.1 with the filter on /* and test servlets. */
final class JettyServer implements AutoCloseable {
  private final Server server;
  private final ServerConnector connector;
  private final boolean tls;
  private final FilterHolder filterHolder;

  private JettyServer(Builder b) throws Exception {
    server = new Server();
    HttpConfiguration http = new HttpConfiguration();
    if (b.lenientUris) http.setUriCompliance(org.eclipse.jetty.http.UriCompliance.UNSAFE);
    if (b.sslContext != null) {
      SecureRequestCustomizer secure = new SecureRequestCustomizer();
      secure.setSniHostCheck(false);
      http.addCustomizer(secure);
      SslContextFactory.Server ssl = new SslContextFactory.Server();
      ssl.setSslContext(b.sslContext);
      ssl.setNeedClientAuth(b.needClientAuth);
      ssl.setWantClientAuth(b.wantClientAuth);
      ssl.setEndpointIdentificationAlgorithm(null);
      connector = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"),
          new HttpConnectionFactory(http));
      tls = true;
    } else {
      connector = new ServerConnector(server, new HttpConnectionFactory(http));
      tls = false;
    }
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler(b.contextPath);
    if (b.lenientUris) context.getServletHandler().setDecodeAmbiguousURIs(true);
    if (b.filter != null || b.filterClass != null) {
      FilterHolder f = b.filter != null ? new FilterHolder(b.filter) : new FilterHolder(b.filterClass);
      f.setInitParameters(b.initParameters);
      f.setAsyncSupported(true);
      context.addFilter(f, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR));
      filterHolder = f;
    } else {
      filterHolder = null;
    }
    for (Map.Entry<String, HttpServlet> s : b.servlets.entrySet()) {
      ServletHolder h = new ServletHolder(s.getValue());
      h.setAsyncSupported(true);
      context.addServlet(h, s.getKey());
    }
    server.setHandler(context);
    server.start();
  }

  static Builder builder(Filter filter) {
    return new Builder(filter);
  }

  /** A server whose container instantiates {@code filterClass} with these init parameters. */
  static Builder builder(Class<? extends Filter> filterClass, Map<String, String> initParameters) {
    Builder b = new Builder(null);
    b.filterClass = filterClass;
    b.initParameters.putAll(initParameters);
    return b;
  }

  /** The filter instance the container is using. */
  Filter filter() {
    return filterHolder.getFilter();
  }

  int port() {
    return connector.getLocalPort();
  }

  HttpUrl url(String pathAndQuery) {
    return HttpUrl.get((tls ? "https" : "http") + "://127.0.0.1:" + port() + pathAndQuery);
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }

  static final class Builder {
    private final Filter filter;
    private Class<? extends Filter> filterClass;
    private final Map<String, String> initParameters = new LinkedHashMap<>();
    private final Map<String, HttpServlet> servlets = new LinkedHashMap<>();
    private String contextPath = "/";
    private SSLContext sslContext;
    private boolean needClientAuth;
    private boolean wantClientAuth;
    private boolean lenientUris;

    private Builder(Filter filter) {
      this.filter = filter;
    }

    Builder servlet(String pathSpec, HttpServlet servlet) {
      servlets.put(pathSpec, servlet);
      return this;
    }

    Builder contextPath(String path) {
      this.contextPath = path;
      return this;
    }

    Builder tls(SSLContext context, boolean needClientAuth, boolean wantClientAuth) {
      this.sslContext = context;
      this.needClientAuth = needClientAuth;
      this.wantClientAuth = wantClientAuth;
      return this;
    }

    /**
     * Lets ambiguous URIs ({@code %2F}, {@code %2E} segments, empty segments) reach the filter:
     * {@code UriCompliance.UNSAFE} and decoded ambiguous URIs, which Jetty refuses by default.
     */
    Builder lenientUris() {
      this.lenientUris = true;
      return this;
    }

    JettyServer start() throws Exception {
      return new JettyServer(this);
    }
  }
}
