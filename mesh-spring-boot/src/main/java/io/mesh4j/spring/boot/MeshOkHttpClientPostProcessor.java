package io.mesh4j.spring.boot;

import io.mesh4j.Mesh;
import io.mesh4j.okhttp.MeshOkHttp;
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
    try {
      return wrapper().wrap(client);
    } catch (IllegalArgumentException alreadyWrapped) {
      return bean;
    }
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
