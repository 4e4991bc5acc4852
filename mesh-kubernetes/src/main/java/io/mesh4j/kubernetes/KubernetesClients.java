package io.mesh4j.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Kubernetes clients for {@link EndpointSliceSource} and {@link KubernetesLocality}: in-cluster
 * (the pod's service account) or from a kubeconfig file. The caller owns and closes the client.
 *
 * <p>RBAC the mesh needs: {@code list} and {@code watch} on {@code endpointslices.discovery.k8s.io}
 * in the Service's namespace; {@code get} on {@code nodes} only for {@link
 * KubernetesLocality#fromNode}.
 */
public final class KubernetesClients {
  private KubernetesClients() {}

  /**
   * A client configured the standard way: inside a pod from the service account token and {@code
   * KUBERNETES_SERVICE_HOST}, otherwise from {@code $KUBECONFIG} or {@code ~/.kube/config}.
   */
  public static KubernetesClient auto() {
    return new KubernetesClientBuilder().withConfig(Config.autoConfigure(null)).build();
  }

  /**
   * A client from the kubeconfig at {@code file}, using its current context ({@code context}
   * {@code null}) or the named one.
   *
   * @throws UncheckedIOException if the file cannot be read
   */
  public static KubernetesClient fromKubeconfig(Path file, String context) {
    Objects.requireNonNull(file, "file");
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("kubeconfig " + file + ": cannot read", e);
    }
    Config config = context == null ? Config.fromKubeconfig(text) : Config.fromKubeconfig(context, text, file.toString());
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}
