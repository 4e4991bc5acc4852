package io.mesh4j.config;

import java.net.InetAddress;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 address block ({@code 10.0.0.0/8}, {@code ::1/128}). Immutable and thread-safe.
 *
 * <p>Parsing never touches DNS: only address literals are accepted. A bare address means a
 * single host ({@code /32} or {@code /128}). An IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d})
 * is matched as the IPv4 address it carries.
 */
public final class Cidr {
  private final byte[] network;
  private final int prefixLength;
  private final String text;

  private Cidr(byte[] network, int prefixLength, String text) {
    this.network = network;
    this.prefixLength = prefixLength;
    this.text = text;
  }

  /**
   * Parses {@code address/prefix} or a bare address.
   *
   * @throws IllegalArgumentException with a message naming what is wrong
   */
  public static Cidr parse(String cidr) {
    if (cidr == null || cidr.isEmpty()) throw new IllegalArgumentException("empty CIDR");
    int slash = cidr.indexOf('/');
    String addr = slash < 0 ? cidr : cidr.substring(0, slash);
    byte[] bytes = parseAddress(addr);
    if (bytes == null) {
      throw new IllegalArgumentException("not an IPv4 or IPv6 address: " + addr);
    }
    int max = bytes.length * 8;
    int prefix = max;
    if (slash >= 0) {
      String p = cidr.substring(slash + 1);
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
        throw new IllegalArgumentException("bad prefix length: " + p);
      }
      prefix = Integer.parseInt(p);
      if (prefix > max) {
        throw new IllegalArgumentException("prefix length " + prefix + " exceeds " + max);
      }
    }
    byte[] network = mask(bytes, prefix);
    return new Cidr(network, prefix, cidr);
  }

  /**
   * Parses an IP literal without DNS: dotted IPv4 or IPv6 (optionally in brackets). Returns 4 or 16
   * bytes, IPv4-mapped IPv6 folded to 4, or {@code null} if {@code s} is not a literal.
   */
  public static byte[] parseAddress(String s) {
    if (s == null || s.isEmpty()) return null;
    if (s.charAt(0) == '[' && s.charAt(s.length() - 1) == ']') s = s.substring(1, s.length() - 1);
    if (s.indexOf(':') >= 0) {
      int pct = s.indexOf('%');
      if (pct >= 0) s = s.substring(0, pct);
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        boolean ok = c == ':' || c == '.' || Character.digit(c, 16) >= 0;
        if (!ok) return null;
      }
      try {
        // An IPv6 literal of hex digits, colons and dots: InetAddress parses it without DNS.
        byte[] b = InetAddress.getByName("[" + s + "]").getAddress();
        return fold(b);
      } catch (Exception e) {
        return null;
      }
    }
    return parseIpv4(s);
  }

  private static byte[] parseIpv4(String s) {
    byte[] out = new byte[4];
    int part = 0;
    int value = -1;
    for (int i = 0; i <= s.length(); i++) {
      char c = i == s.length() ? '.' : s.charAt(i);
      if (c == '.') {
        if (value < 0 || part > 3) return null;
        out[part++] = (byte) value;
        value = -1;
      } else if (c >= '0' && c <= '9') {
        value = value < 0 ? c - '0' : value * 10 + (c - '0');
        if (value > 255) return null;
      } else {
        return null;
      }
    }
    return part == 4 ? out : null;
  }

  private static byte[] fold(byte[] b) {
    if (b.length == 16) {
      for (int i = 0; i < 10; i++) if (b[i] != 0) return b;
      if (b[10] == (byte) 0xff && b[11] == (byte) 0xff) return Arrays.copyOfRange(b, 12, 16);
    }
    return b;
  }

  private static byte[] mask(byte[] bytes, int prefix) {
    byte[] out = bytes.clone();
    for (int i = 0; i < out.length; i++) {
      int bits = Math.max(0, Math.min(8, prefix - i * 8));
      out[i] &= (byte) (bits == 0 ? 0 : (0xff << (8 - bits)));
    }
    return out;
  }

  /** Whether the address (4 or 16 bytes, IPv4-mapped folded) is in this block. */
  public boolean contains(byte[] address) {
    if (address == null) return false;
    if (address.length == 16 && network.length == 4) address = fold(address);
    if (address.length != network.length) return false;
    int full = prefixLength / 8;
    for (int i = 0; i < full; i++) {
      if (address[i] != network[i]) return false;
    }
    int rest = prefixLength % 8;
    if (rest == 0) return true;
    int m = (0xff << (8 - rest)) & 0xff;
    return (address[full] & m) == (network[full] & m);
  }

  /** Whether the address is in this block. */
  public boolean contains(InetAddress address) {
    return address != null && contains(address.getAddress());
  }

  /** Whether the IP literal is in this block; false for anything that is not a literal. */
  public boolean contains(String ipLiteral) {
    return contains(parseAddress(ipLiteral));
  }

  public int prefixLength() {
    return prefixLength;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.prefixLength == prefixLength && Arrays.equals(c.network, network);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(network) * 31 + prefixLength;
  }

  /** As written in the config. */
  @Override
  public String toString() {
    return text;
  }
}
