/**
 * Spring's HTTP clients ({@code RestClient}, {@code RestTemplate}) over a mesh-wrapped OkHttp
 * client: {@link io.mesh4j.spring.client.MeshClientHttpRequestFactory}. Works on Spring Framework
 * 6.2 and 7 (which dropped its own OkHttp request factory).
 */
package io.mesh4j.spring.client;
