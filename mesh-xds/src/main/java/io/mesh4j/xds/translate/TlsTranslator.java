package io.mesh4j.xds.translate;

import static io.mesh4j.xds.translate.Fields.index;
import static io.mesh4j.xds.translate.Fields.join;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.mesh4j.config.IdentitySourceConfig;
import io.mesh4j.config.InboundTlsConfig;
import io.mesh4j.config.TlsConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Envoy's TLS transport sockets → mesh4j TLS settings: a cluster's {@code UpstreamTlsContext}
 * becomes {@code clusters[].tls}, an inbound listener's {@code DownstreamTlsContext} becomes {@code
 * inbound.tls}, and the certificate material they name becomes an {@code identity_sources} entry:
 * the identity source an {@link SdsBinding} gives for the context's SDS secret names, or a {@code
 * pem} source for certificate files (inline in the context, or static secrets of a bootstrap).
 * Whatever mesh4j cannot express (cipher lists, OCSP, CRLs, regex SAN matchers, expired
 * certificates allowed, inline key material...) is a REJECTED issue naming the field. One instance
 * per translation run; not thread-safe.
 */
final class TlsTranslator {
  static final String TLS_SOCKET = "envoy.transport_sockets.tls";
  static final String RAW_BUFFER = "envoy.transport_sockets.raw_buffer";
  private static final String SESSIONS = "TLS session resumption is the servlet container's";

  private final Issues issues;
  private final List<SdsBinding> sds;
  private final Map<String, Secret> secrets = new LinkedHashMap<>();
  /** The identity sources the translated TLS settings name, in order. */
  private final Map<String, IdentitySourceConfig> sources = new LinkedHashMap<>();
  private final Map<IdentitySourceConfig.Pem, String> pemNames = new HashMap<>();

  TlsTranslator(Issues issues, List<SdsBinding> sds, List<Secret> staticSecrets) {
    this.issues = issues;
    this.sds = sds;
    for (Secret s : staticSecrets) {
      if (secrets.putIfAbsent(s.getName(), s) != null) {
        issues.scope("Secret", s.getName()).reject("name", "two secrets have this name");
      }
    }
  }

  /** The {@code identity_sources} entries the translated TLS settings refer to. */
  List<IdentitySourceConfig> sources() {
    return new ArrayList<>(sources.values());
  }

  /** What a {@code CommonTlsContext} says, once resolved. */
  private record Common(boolean certificate, TlsConfig.Verify verify, String verifyPath,
      String minVersion, String minVersionPath, String source) {}

  /**
   * A cluster's {@code transport_socket}: its TLS settings, or {@code null} for plaintext (a raw
   * buffer) or when an issue was reported.
   */
  TlsConfig upstream(Issues.Scope s, String p, TransportSocket ts, String nameHint) {
    UpstreamTlsContext u = context(s, p, ts, UpstreamTlsContext.class);
    if (u == null) return null;
    String up = join(p, "typed_config");
    Fields.walk(s, up, u, Set.of("common_tls_context", "sni", "auto_host_sni"), Map.of(
        "max_session_keys", "mesh4j clients never resume TLS sessions (a full handshake per "
            + "connection)"));
    Common c = common(s, join(up, "common_tls_context"), u.getCommonTlsContext(), nameHint);
    if (c == null) return null;
    return new TlsConfig(c.certificate ? TlsConfig.Mode.MUTUAL : TlsConfig.Mode.SIMPLE,
        u.getSni().isEmpty() ? null : u.getSni(), c.verify, c.minVersion, c.source);
  }

  /**
   * An inbound listener's filter chain {@code transport_socket}: {@code strict} when it requires a
   * client certificate, {@code permissive} when the listener also has a plaintext chain; {@code
   * null} for plaintext or when an issue was reported.
   */
  InboundTlsConfig downstream(Issues.Scope s, String p, TransportSocket ts, boolean permissive,
      String nameHint) {
    DownstreamTlsContext d = context(s, p, ts, DownstreamTlsContext.class);
    if (d == null) return null;
    String dp = join(p, "typed_config");
    Fields.walk(s, dp, d, Set.of("common_tls_context", "require_client_certificate"), Map.of(
        "session_ticket_keys", SESSIONS,
        "session_ticket_keys_sds_secret_config", SESSIONS,
        "disable_stateless_session_resumption", SESSIONS,
        "disable_stateful_session_resumption", SESSIONS,
        "session_timeout", SESSIONS));
    String cp = join(dp, "common_tls_context");
    Common c = common(s, cp, d.getCommonTlsContext(), nameHint);
    if (c == null) return null;
    if (!c.certificate) {
      s.reject(cp, "no certificate: the server side serves the workload certificate (expected"
          + " tls_certificates or tls_certificate_sds_secret_configs)");
    }
    if (!c.verify.equals(TlsConfig.Verify.ANY)) {
      s.reject(c.verifyPath, "inbound.tls checks no client names (any client the trust bundle"
          + " vouches for is accepted); allow callers with inbound.authz principals instead");
    }
    if ("1.3".equals(c.minVersion)) {
      s.reject(c.minVersionPath, "TLSv1_3: inbound.tls has no min_version (the server context"
          + " offers TLS 1.2 and 1.3)");
    }
    boolean require = d.hasRequireClientCertificate() && d.getRequireClientCertificate().getValue();
    if (permissive) return new InboundTlsConfig(InboundTlsConfig.Mode.PERMISSIVE, c.source);
    if (!require) {
      s.reject(join(dp, "require_client_certificate"), "not true: mesh4j's inbound.tls requires"
          + " client certificates (strict) or also accepts plaintext (permissive: a listener with"
          + " a TLS and a plaintext filter chain)");
      return null;
    }
    return new InboundTlsConfig(InboundTlsConfig.Mode.STRICT, c.source);
  }

  /** Whether a filter chain's transport socket is TLS (a {@code DownstreamTlsContext}). */
  static boolean isTls(TransportSocket ts) {
    if (ts.hasTypedConfig()) return ts.getTypedConfig().is(DownstreamTlsContext.class);
    return ts.getName().equals(TLS_SOCKET);
  }

  /** A transport socket that must be plaintext (a raw buffer). */
  static void plaintext(Issues.Scope s, String p, TransportSocket ts) {
    Fields.walk(s, p, ts, Set.of("name", "typed_config"), Map.of());
    boolean raw = ts.hasTypedConfig() ? ts.getTypedConfig().is(RawBuffer.class)
        : ts.getName().equals(RAW_BUFFER);
    if (!raw) {
      s.reject(p, (ts.hasTypedConfig() ? Protos.typeName(ts.getTypedConfig()) : ts.getName())
          + ": " + Fields.NOT_SUPPORTED + " (expected " + RAW_BUFFER + " or " + TLS_SOCKET + ")");
    }
  }

  /** The socket's TLS context, or {@code null} for a raw buffer or when an issue was reported. */
  private <T extends Message> T context(Issues.Scope s, String p, TransportSocket ts,
      Class<T> type) {
    Fields.walk(s, p, ts, Set.of("name", "typed_config"), Map.of());
    if (!ts.hasTypedConfig()) {
      if (!ts.getName().equals(RAW_BUFFER)) {
        s.reject(p, "\"" + ts.getName() + "\" without a typed_config (expected " + TLS_SOCKET
            + " with an " + type.getSimpleName() + ")");
      }
      return null;
    }
    if (ts.getTypedConfig().is(RawBuffer.class)) return null;
    T ctx = Protos.unpack(ts.getTypedConfig(), type);
    if (ctx == null) {
      s.reject(join(p, "typed_config"), Protos.typeName(ts.getTypedConfig()) + ": "
          + Fields.NOT_SUPPORTED + " (expected an " + type.getSimpleName() + ")");
    }
    return ctx;
  }

  private Common common(Issues.Scope s, String p, CommonTlsContext c, String nameHint) {
    Fields.walk(s, p, c, Set.of("tls_params", "tls_certificates",
        "tls_certificate_sds_secret_configs", "validation_context",
        "validation_context_sds_secret_config", "combined_validation_context"), Map.of(
        "alpn_protocols", "the HTTP client (OkHttp) or the servlet container negotiates the "
            + "application protocol"));
    String minVersion = null;
    String minPath = join(p, "tls_params.tls_minimum_protocol_version");
    if (c.hasTlsParams()) minVersion = tlsParams(s, join(p, "tls_params"), c.getTlsParams());

    String certSds = null;
    TlsCertificate certInline = null;
    String certPath = null;
    int certs = c.getTlsCertificatesCount() + c.getTlsCertificateSdsSecretConfigsCount();
    if (certs > 1) {
      s.reject(p, certs + " certificates (tls_certificates, tls_certificate_sds_secret_configs):"
          + " mesh4j presents one identity");
    } else if (c.getTlsCertificatesCount() == 1) {
      certInline = c.getTlsCertificates(0);
      certPath = index(p, "tls_certificates", 0);
    } else if (c.getTlsCertificateSdsSecretConfigsCount() == 1) {
      certPath = index(p, "tls_certificate_sds_secret_configs", 0);
      certSds = sdsName(s, certPath, c.getTlsCertificateSdsSecretConfigs(0));
    }

    String valSds = null;
    String valPath = null;
    CertificateValidationContext inline = null;
    String inlinePath = null;
    switch (c.getValidationContextTypeCase()) {
      case VALIDATION_CONTEXT -> {
        inline = c.getValidationContext();
        inlinePath = join(p, "validation_context");
      }
      case VALIDATION_CONTEXT_SDS_SECRET_CONFIG -> {
        valPath = join(p, "validation_context_sds_secret_config");
        valSds = sdsName(s, valPath, c.getValidationContextSdsSecretConfig());
      }
      case COMBINED_VALIDATION_CONTEXT -> {
        String cvp = join(p, "combined_validation_context");
        var cv = c.getCombinedValidationContext();
        Fields.walk(s, cvp, cv, Set.of("default_validation_context",
            "validation_context_sds_secret_config"), Map.of());
        if (cv.hasValidationContextSdsSecretConfig()) {
          valPath = join(cvp, "validation_context_sds_secret_config");
          valSds = sdsName(s, valPath, cv.getValidationContextSdsSecretConfig());
        }
        if (cv.hasDefaultValidationContext()) {
          inline = cv.getDefaultValidationContext();
          inlinePath = join(cvp, "default_validation_context");
          if (valSds != null && inline.hasTrustedCa()) {
            s.reject(join(inlinePath, "trusted_ca"), "next to an SDS validation context: the"
                + " trusted CAs come from the SDS secret");
          }
        }
      }
      default -> {
        // NOT_SET, or a certificate provider (reported by the walk above)
      }
    }
    TlsConfig.Verify verify = TlsConfig.Verify.ANY;
    DataSource trustedCa = null;
    if (inline != null) {
      verify = verify(s, inlinePath, inline);
      if (inline.hasTrustedCa() && valSds == null) {
        trustedCa = inline.getTrustedCa();
        valPath = join(inlinePath, "trusted_ca");
      }
    }
    String source = source(s, p, certSds, certInline, certPath, valSds, trustedCa, valPath,
        nameHint);
    return new Common(certSds != null || certInline != null, verify,
        inlinePath != null ? inlinePath : p, minVersion, minPath, source);
  }

  private static String sdsName(Issues.Scope s, String p, SdsSecretConfig c) {
    Fields.walk(s, p, c, Set.of("name", "sds_config"), Map.of());
    if (c.hasSdsConfig() && !c.getSdsConfig().hasAds()) {
      s.ignore(join(p, "sds_config"), "secrets come over the xDS client's ADS stream"
          + " (SdsIdentitySource) or from the bootstrap's static secrets");
    }
    if (c.getName().isEmpty()) {
      s.reject(join(p, "name"), "empty (expected the secret's name)");
      return null;
    }
    return c.getName();
  }

  /** {@code tls_params}: the minimum version ({@code null} for the default, TLS 1.2). */
  private static String tlsParams(Issues.Scope s, String p, TlsParameters t) {
    Fields.walk(s, p, t, Set.of("tls_minimum_protocol_version", "tls_maximum_protocol_version"),
        Map.of());
    switch (t.getTlsMaximumProtocolVersion()) {
      case TLS_AUTO, TLSv1_3 -> {
        // mesh4j offers up to TLS 1.3
      }
      default -> s.reject(join(p, "tls_maximum_protocol_version"), t.getTlsMaximumProtocolVersion()
          + ": mesh4j always offers up to TLS 1.3");
    }
    return switch (t.getTlsMinimumProtocolVersion()) {
      case TLS_AUTO -> null;
      case TLSv1_2 -> "1.2";
      case TLSv1_3 -> "1.3";
      default -> {
        s.reject(join(p, "tls_minimum_protocol_version"), t.getTlsMinimumProtocolVersion()
            + ": mesh4j speaks TLS 1.2 and 1.3 only (expected TLS_AUTO, TLSv1_2 or TLSv1_3)");
        yield null;
      }
    };
  }

  /** The peer names a validation context accepts: SPIFFE IDs, or other SANs. */
  private static TlsConfig.Verify verify(Issues.Scope s, String p, CertificateValidationContext v) {
    Fields.walk(s, p, v, Set.of("trusted_ca", "match_typed_subject_alt_names",
        "match_subject_alt_names"), Map.of());
    List<String> ids = new ArrayList<>();
    List<String> sans = new ArrayList<>();
    for (int i = 0; i < v.getMatchTypedSubjectAltNamesCount(); i++) {
      SubjectAltNameMatcher m = v.getMatchTypedSubjectAltNames(i);
      String mp = index(p, "match_typed_subject_alt_names", i);
      Fields.walk(s, mp, m, Set.of("san_type", "matcher"), Map.of());
      switch (m.getSanType()) {
        case URI, DNS, IP_ADDRESS -> san(s, join(mp, "matcher"), m.getMatcher(),
            m.getSanType() == SubjectAltNameMatcher.SanType.URI, ids, sans);
        default -> s.reject(join(mp, "san_type"), m.getSanType() + ": mesh4j matches URI (SPIFFE"
            + " ID), DNS and IP_ADDRESS names");
      }
    }
    for (int i = 0; i < v.getMatchSubjectAltNamesCount(); i++) {
      san(s, index(p, "match_subject_alt_names", i), v.getMatchSubjectAltNames(i), true, ids, sans);
    }
    if (!ids.isEmpty() && !sans.isEmpty()) {
      s.reject(p, "matches both SPIFFE IDs " + ids + " and other names " + sans + ": mesh4j's"
          + " verify takes one kind (spiffe_ids or subject_alt_names)");
    }
    return new TlsConfig.Verify(ids, sans);
  }

  private static void san(Issues.Scope s, String p, StringMatcher m, boolean uri, List<String> ids,
      List<String> sans) {
    Fields.walk(s, p, m, Set.of("exact", "prefix"), Map.of());
    switch (m.getMatchPatternCase()) {
      case EXACT -> {
        if (uri && m.getExact().startsWith("spiffe://")) {
          ids.add(m.getExact());
        } else {
          sans.add(m.getExact());
        }
      }
      case PREFIX -> {
        if (uri && m.getPrefix().startsWith("spiffe://")) {
          ids.add(m.getPrefix() + "*");
        } else {
          s.reject(join(p, "prefix"), "\"" + m.getPrefix() + "\": mesh4j matches a prefix of"
              + " SPIFFE IDs (spiffe://...) only; other names exactly");
        }
      }
      default -> {
        // suffix, contains, safe_regex, custom: reported by the walk above
      }
    }
  }

  /** The identity source for the context's certificate and trusted CAs, declared on first use. */
  private String source(Issues.Scope s, String p, String certSds, TlsCertificate certInline,
      String certPath, String valSds, DataSource trustedCa, String valPath, String nameHint) {
    if (valSds == null && trustedCa == null) {
      s.reject(p, "no trusted CA (validation_context, validation_context_sds_secret_config or"
          + " combined_validation_context): mesh4j always verifies the peer's certificate chain");
      return null;
    }
    boolean anySds = certSds != null || valSds != null;
    if (anySds && (certInline != null || trustedCa != null)) {
      s.reject(p, "mixes SDS secrets with inline certificate material: a mesh4j identity source"
          + " serves the certificate and the trusted CAs together");
      return null;
    }
    if (anySds) {
      for (SdsBinding b : sds) {
        if (b.validationContext().equals(valSds)
            && (certSds == null || b.certificate().equals(certSds))) {
          sources.putIfAbsent(b.source(), new IdentitySourceConfig(b.source(), null, null));
          return b.source();
        }
      }
      Secret cert = certSds == null ? null : secrets.get(certSds);
      Secret val = secrets.get(valSds);
      if (cert != null && val != null) return staticSecrets(cert, val);
      String what = (certSds == null ? "" : "tls_certificate secret \"" + certSds + "\" with ")
          + "validation_context secret \"" + valSds + "\"";
      s.reject(certSds != null ? certPath : valPath, "no identity source serves " + what
          + (sds.isEmpty() && secrets.isEmpty() ? "" : " (SDS identity sources: " + sds
          + "; static secrets: " + secrets.keySet() + ")")
          + "; give the XdsClient an SdsIdentitySource for these secrets, or the bootstrap"
          + " static_resources.secrets with files");
      return null;
    }
    String ca = filename(s, valPath, trustedCa);
    if (certInline == null) {
      if (ca == null) return null;
      for (Map.Entry<IdentitySourceConfig.Pem, String> e : pemNames.entrySet()) {
        if (e.getKey().trustBundle().equals(ca)) return e.getValue();
      }
      s.reject(valPath, "a trusted CA without a certificate: a mesh4j identity source pairs the"
          + " CAs with the workload certificate; give a cluster or listener with the same"
          + " trusted_ca a tls_certificates entry, or serve both over SDS");
      return null;
    }
    Fields.walk(s, certPath, certInline, Set.of("certificate_chain", "private_key"), Map.of());
    String chain = filename(s, join(certPath, "certificate_chain"), certInline.getCertificateChain());
    String key = filename(s, join(certPath, "private_key"), certInline.getPrivateKey());
    if (chain == null || key == null || ca == null) return null;
    return pem(nameHint, new IdentitySourceConfig.Pem(chain, key, ca, null));
  }

  private String staticSecrets(Secret cert, Secret val) {
    Issues.Scope cs = issues.scope("Secret", cert.getName());
    Issues.Scope vs = issues.scope("Secret", val.getName());
    if (!cert.hasTlsCertificate()) {
      cs.reject("", "not a tls_certificate secret");
      return null;
    }
    if (!val.hasValidationContext()) {
      vs.reject("", "not a validation_context secret");
      return null;
    }
    TlsCertificate t = cert.getTlsCertificate();
    Fields.walk(cs, "tls_certificate", t, Set.of("certificate_chain", "private_key"), Map.of());
    CertificateValidationContext v = val.getValidationContext();
    Fields.walk(vs, "validation_context", v, Set.of("trusted_ca"), Map.of());
    String chain = filename(cs, "tls_certificate.certificate_chain", t.getCertificateChain());
    String key = filename(cs, "tls_certificate.private_key", t.getPrivateKey());
    String ca = filename(vs, "validation_context.trusted_ca", v.getTrustedCa());
    if (chain == null || key == null || ca == null) return null;
    return pem(cert.getName(), new IdentitySourceConfig.Pem(chain, key, ca, null));
  }

  /** The file a data source names; anything else is an issue. */
  private static String filename(Issues.Scope s, String p, DataSource d) {
    Fields.walk(s, p, d, Set.of("filename", "inline_bytes", "inline_string",
        "environment_variable"), Map.of());
    switch (d.getSpecifierCase()) {
      case FILENAME -> {
        return d.getFilename();
      }
      case INLINE_BYTES, INLINE_STRING -> s.reject(join(p, d.getSpecifierCase() == DataSource
          .SpecifierCase.INLINE_BYTES ? "inline_bytes" : "inline_string"), "inline certificate"
          + " material is not carried into a mesh4j config (it would print keys); use files, or"
          + " SDS secrets over the xDS client");
      case ENVIRONMENT_VARIABLE -> s.reject(join(p, "environment_variable"), Fields.NOT_SUPPORTED
          + " (expected a filename)");
      default -> s.reject(p, "empty (expected a filename)");
    }
    return null;
  }

  /** The pem source for these files: the one already declared, or a new one named after hint. */
  private String pem(String hint, IdentitySourceConfig.Pem pem) {
    String known = pemNames.get(pem);
    if (known != null) return known;
    String base = Protos.meshName(hint);
    String name = base;
    for (int n = 2; sources.containsKey(name); n++) name = base + "-" + n;
    sources.put(name, new IdentitySourceConfig(name, pem, null));
    pemNames.put(pem, name);
    return name;
  }
}
