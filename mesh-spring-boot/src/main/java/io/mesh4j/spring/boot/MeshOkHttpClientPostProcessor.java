package io.mesh4j.spring.boot;

import io.mesh4j.Mesh;
import io.mesh4j.okhttp.MeshOkHttp;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import okhttp3.OkHttpClient;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Replaces every {@link OkHttpClient} bean with the same client plus the mesh ({@link
 * MeshOkHttp#wrap}), except beans marked {@link NoMesh} and clients the application already
 * wrapped. Non-mesh calls through a wrapped client pass through untouched.
 */
final class MeshOkHttpClientPostProcessor implements BeanPostProcessor, BeanFactoryAware {
  private ListableBeanFactory beans;
  private volatile MeshOkHttp.Builder wrapper;
  private final boolean perEndpointMetrics;
  private final Set<OkHttpClient> meshClients = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));

  MeshOkHttpClientPostProcessor(boolean perEndpointMetrics) {
    this.perEndpointMetrics = perEndpointMetrics;
  }

  @Override
  public void setBeanFactory(BeanFactory beanFactory) {
    this.beans = (ListableBeanFactory) beanFactory;
  }

  @Override
  public Object postProcessAfterInitialization(Object bean, String name) throws BeansException {
    if (!(bean instanceof OkHttpClient client)) return bean;
    if (beans.containsBeanDefinition(name) && beans.findAnnotationOnBean(name, NoMesh.class) != null) {
      return bean;
    }
    OkHttpClient wrapped;
    try {
      wrapped = wrapper().wrap(client);
    } catch (IllegalArgumentException alreadyWrapped) {
      wrapped = client;
    }
    meshClients.add(wrapped);
    return wrapped;
  }

  /** Whether {@code client} is a bean this post-processor saw with the mesh in it. */
  boolean isMeshClient(OkHttpClient client) {
    return meshClients.contains(client);
  }

  /** A new mesh client, for when no single OkHttpClient bean carries the mesh. */
  OkHttpClient newMeshClient() {
    return wrapper().wrap(new OkHttpClient());
  }

  private MeshOkHttp.Builder wrapper() {
    MeshOkHttp.Builder w = wrapper;
    if (w == null) {
      w = MeshOkHttp.builder(beans.getBean(Mesh.class)).perEndpointMetrics(perEndpointMetrics);
      wrapper = w;
    }
    return w;
  }
}
