package io.mesh4j.servlet.admin;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import javax.net.SocketFactory;

/** Sockets whose local end is bound to one address, e.g. 127.0.0.2, before they connect. */
final class BoundSocketFactory extends SocketFactory {
  private final InetAddress local;

  BoundSocketFactory(String localAddress) throws IOException {
    this.local = InetAddress.getByName(localAddress);
  }

  @Override
  public Socket createSocket() throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(local, 0));
    return s;
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return createSocket(InetAddress.getByName(host), port);
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
    throw new IOException("this factory chooses the local address itself");
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    Socket s = createSocket();
    s.connect(new InetSocketAddress(host, port));
    return s;
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    throw new IOException("this factory chooses the local address itself");
  }
}
