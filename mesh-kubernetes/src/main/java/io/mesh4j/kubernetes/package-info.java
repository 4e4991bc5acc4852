/**
 * Kubernetes discovery for mesh4j: {@link io.mesh4j.kubernetes.EndpointSliceSource} feeds a
 * cluster from a Service's EndpointSlices, {@link io.mesh4j.kubernetes.KubernetesLocality} tells
 * the mesh where the pod runs, {@link io.mesh4j.kubernetes.KubernetesClients} makes the client.
 *
 * <pre>{@code
 * KubernetesClient k8s = KubernetesClients.auto();
 * KubernetesLocality here = KubernetesLocality.fromNode(k8s, System.getenv());
 * Mesh mesh = Mesh.builder()
 *     .configFile(Path.of("mesh.yaml"))
 *     .locality(here)
 *     .endpointSource("inventory",
 *         EndpointSliceSource.factory(k8s, "shop", "inventory", "http", here.region()))
 *     .build();
 * }</pre>
 */
package io.mesh4j.kubernetes;
