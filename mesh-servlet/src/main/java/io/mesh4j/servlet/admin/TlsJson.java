package io.mesh4j.servlet.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mesh4j.Mesh;
import io.mesh4j.MeshSnapshot;
import io.mesh4j.config.InboundTlsConfig;
import io.mesh4j.config.TlsConfig;
import io.mesh4j.identity.IdentitySource;
import io.mesh4j.identity.WorkloadIdentity;
import io.mesh4j.internal.MeshInternals;
import io.mesh4j.internal.tls.ClusterTls;
import io.mesh4j.internal.tls.MeshTls;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Builds {@code /mesh/tls}: the workload identities (certificate, validity, trust bundle), each
 * TLS cluster's mode, verification and the server identities it verified or refused, and the
 * inbound side's mode and verified clients. Never a key: only certificates, which peers see
 * anyway. Stateless; field names are documented in {@code docs/admin.md}.
 */
final class TlsJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private TlsJson() {}

  static ObjectNode tls(Mesh mesh, MeshSnapshot s) {
    Instant now = mesh.clock().instant();
    MeshTls tls = MeshInternals.tls(mesh);
    ObjectNode o = F.objectNode();
    o.put("service", s.config().service());
    o.put("generation", s.generation());
    o.put("now", now.toString());
    ArrayNode sources = o.putArray("identity_sources");
    for (Map.Entry<String, IdentitySource> e : tls.sources().entrySet()) {
      IdentitySource src = e.getValue();
      WorkloadIdentity id = src.current();
      ObjectNode n = sources.addObject();
      n.put("name", e.getKey());
      n.put("source", src.describe());
      n.put("identity", id.name());
      if (id.spiffeId() == null) n.putNull("spiffe_id"); else n.put("spiffe_id", id.spiffeId());
      n.put("serial", id.serial());
      n.put("not_before", id.notBefore().toString());
      n.put("not_after", id.notAfter().toString());
      n.put("expires_in_seconds", Duration.between(now, id.notAfter()).toSeconds());
      n.put("generation", id.generation());
      n.put("chain_length", id.certificateChain().size());
      if (src.lastError() == null) n.putNull("last_error"); else n.put("last_error", src.lastError());
      ArrayNode bundle = n.putArray("trust_bundle");
      for (X509Certificate ca : id.trustBundle()) {
        ObjectNode b = bundle.addObject();
        b.put("subject", ca.getSubjectX500Principal().getName());
        b.put("serial", ca.getSerialNumber().toString(16));
        b.put("not_after", ca.getNotAfter().toInstant().toString());
      }
    }
    ArrayNode clusters = o.putArray("clusters");
    for (var cc : s.config().clusters()) {
      TlsConfig t = cc.tls();
      ObjectNode n = clusters.addObject();
      n.put("name", cc.name());
      n.put("mode", t.mode().configName());
      if (!t.enabled()) continue;
      n.put("source", t.source());
      n.put("verify", MeshTls.verification(t.verify()).describe());
      if (t.sni() == null) n.putNull("sni"); else n.put("sni", t.sni());
      n.put("min_version", t.minVersion());
      ClusterTls ct = tls.client(cc.name());
      if (ct == null) continue;
      ObjectNode peers = n.putObject("verified_peers");
      ct.verifiedPeers().forEach((k, v) -> peers.put(k, v.toString()));
      n.put("refused", ct.refusedCount());
      if (ct.lastRefusal() == null) n.putNull("last_refusal");
      else n.put("last_refusal", ct.lastRefusal());
      ArrayNode byEndpoint = n.putArray("refused_endpoints");
      for (ClusterTls.EndpointRefusal r : ct.endpointRefusals().values()) {
        ObjectNode e = byEndpoint.addObject();
        e.put("endpoint", r.endpoint());
        if (r.presented() == null) e.putNull("presented"); else e.put("presented", r.presented());
        e.put("allowed", r.allowed());
        e.put("by", r.by());
        e.put("at", r.at().toString());
        e.put("count", r.count());
      }
    }
    InboundTlsConfig in = s.config().inbound().tls();
    ObjectNode inbound = o.putObject("inbound");
    if (in == null) {
      inbound.put("mode", "none");
    } else {
      inbound.put("mode", in.mode().configName());
      inbound.put("source", in.source());
      ObjectNode peers = inbound.putObject("verified_peers");
      tls.serverVerifiedPeers().forEach((k, v) -> peers.put(k, v.toString()));
      inbound.put("refused", tls.serverRefusedCount());
      if (tls.serverLastRefusal() == null) inbound.putNull("last_refusal");
      else inbound.put("last_refusal", tls.serverLastRefusal());
    }
    return o;
  }
}
