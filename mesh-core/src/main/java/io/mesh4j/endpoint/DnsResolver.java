package io.mesh4j.endpoint;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Resolves a host name to all its addresses (A and AAAA records). Injected into {@link
 * DnsEndpointSource} so tests use a fake and never touch real DNS. May block; it is always called
 * off the scheduler thread. Must be thread-safe.
 */
@FunctionalInterface
public interface DnsResolver {

  /** The JVM's resolver ({@link InetAddress#getAllByName}), with the JVM's own answer cache. */
  DnsResolver SYSTEM = InetAddress::getAllByName;

  /**
   * Every address of {@code host}.
   *
   * @throws UnknownHostException when the lookup fails (an empty answer counts as a failure too)
   */
  InetAddress[] resolve(String host) throws UnknownHostException;
}
