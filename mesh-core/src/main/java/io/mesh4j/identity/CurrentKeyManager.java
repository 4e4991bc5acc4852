package io.mesh4j.identity;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager that presents the source's current identity on every handshake. The alias names
 * the identity's generation, and the last few generations stay reachable by alias, so a handshake
 * that chose its alias just before a rotation still gets a certificate and key that belong
 * together. Thread-safe; allocation-free once a generation's alias exists.
 */
final class CurrentKeyManager extends X509ExtendedKeyManager {
  private static final int KEEP = 4;

  private final IdentitySource source;
  private final ConcurrentHashMap<String, WorkloadIdentity> byAlias = new ConcurrentHashMap<>();
  private volatile WorkloadIdentity last;
  private volatile String lastAlias;

  CurrentKeyManager(IdentitySource source) {
    this.source = source;
  }

  private String alias(String[] keyTypes) {
    WorkloadIdentity id = source.current();
    if (keyTypes != null && !fits(id.privateKey().getAlgorithm(), keyTypes)) return null;
    return aliasOf(id);
  }

  private String aliasOf(WorkloadIdentity id) {
    if (id == last) return lastAlias;
    synchronized (this) {
      String alias = "mesh4j-" + id.generation() + "-" + System.identityHashCode(id);
      byAlias.put(alias, id);
      if (byAlias.size() > KEEP) {
        long oldest = id.generation() - KEEP;
        byAlias.values().removeIf(w -> w.generation() <= oldest && w != id);
      }
      lastAlias = alias;
      last = id;
      return alias;
    }
  }

  private static boolean fits(String keyAlgorithm, String[] keyTypes) {
    for (String t : keyTypes) {
      if (t == null) continue;
      switch (keyAlgorithm) {
        case "EC" -> {
          if (t.startsWith("EC")) return true;
        }
        case "RSA" -> {
          if (t.equals("RSA") || t.equals("RSASSA-PSS") || t.startsWith("RSA_")) return true;
        }
        case "Ed25519", "Ed448", "EdDSA" -> {
          if (t.equals("EdDSA") || t.equals(keyAlgorithm)) return true;
        }
        default -> {
          if (t.equals(keyAlgorithm)) return true;
        }
      }
    }
    return false;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    String a = alias(new String[] {keyType});
    return a == null ? null : new String[] {a};
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return alias(keyType);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    return alias(keyType);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    String a = alias(new String[] {keyType});
    return a == null ? null : new String[] {a};
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return alias(new String[] {keyType});
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return alias(new String[] {keyType});
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    WorkloadIdentity id = alias == null ? null : byAlias.get(alias);
    return id == null ? null : id.certificateChain().toArray(new X509Certificate[0]);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    WorkloadIdentity id = alias == null ? null : byAlias.get(alias);
    return id == null ? null : id.privateKey();
  }
}
