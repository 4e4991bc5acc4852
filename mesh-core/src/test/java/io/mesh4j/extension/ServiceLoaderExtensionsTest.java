package io.mesh4j.extension;

import static org.assertj.core.api.Assertions.assertThat;

import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.ExtensionArgs;
import io.mesh4j.config.ExtensionKind;
import io.mesh4j.lb.PickerFactory;
import io.mesh4j.lb.PickerProvider;
import io.mesh4j.lb.Pickers;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drop-in jars: extensions found by ServiceLoader through a class loader of their own. */
class ServiceLoaderExtensionsTest {
  @TempDir Path jarA;
  @TempDir Path jarB;

  /** A picker a drop-in jar would ship. */
  public static final class DropInPicker implements PickerProvider {
    public DropInPicker() {}

    @Override
    public String name() {
      return "drop-in";
    }

    @Override
    public PickerFactory create(ExtensionArgs args, ClusterConfig cluster, RandomGenerator random) {
      return Pickers.random();
    }
  }

  /** A "jar": a directory with a services file naming {@code providers}. */
  static URL jar(Path dir, Class<?> service, Class<?>... providers) throws Exception {
    Path services = dir.resolve("META-INF/services");
    Files.createDirectories(services);
    StringBuilder sb = new StringBuilder();
    for (Class<?> p : providers) sb.append(p.getName()).append('\n');
    Files.writeString(services.resolve(service.getName()), sb.toString());
    return dir.toUri().toURL();
  }

  @Test
  void aPickerInADropInJarIsNamedByTheConfigWithoutAnyCode() throws Exception {
    try (URLClassLoader loader = new URLClassLoader(
        new URL[] {jar(jarA, PickerProvider.class, DropInPicker.class)}, getClass().getClassLoader())) {
      Extensions ext = Extensions.discovered(loader);
      assertThat(ext.names(ExtensionKind.PICKER)).containsExactly("drop-in");
      assertThat(ext.source(ExtensionKind.PICKER, "drop-in"))
          .isEqualTo("ServiceLoader: " + DropInPicker.class.getName() + " ("
              + DropInPicker.class.getProtectionDomain().getCodeSource().getLocation() + ")");
      ClusterConfig c = ConfigLoader.load("""
          version: 1
          service: web
          clusters:
            - { name: api, lb: { custom: drop-in }, endpoints: [127.0.0.1:8081] }
          """, ext).clusters().get(0);
      assertThat(c.lbCustom().name()).isEqualTo("drop-in");
    }
  }

  /** Another jar's picker that took the same name. */
  public static final class OtherDropInPicker implements PickerProvider {
    public OtherDropInPicker() {}

    @Override
    public String name() {
      return "drop-in";
    }

    @Override
    public PickerFactory create(ExtensionArgs args, ClusterConfig cluster, RandomGenerator random) {
      return Pickers.random();
    }
  }

  @Test
  void twoJarsRegisteringOneNameAreReportedNamingBothSources() throws Exception {
    try (URLClassLoader loader = new URLClassLoader(new URL[] {
        jar(jarA, PickerProvider.class, DropInPicker.class),
        jar(jarB, PickerProvider.class, OtherDropInPicker.class)}, getClass().getClassLoader())) {
      String where = " (" + DropInPicker.class.getProtectionDomain().getCodeSource().getLocation() + ")";
      String problem = "picker \"drop-in\" is registered twice: by ServiceLoader: "
          + DropInPicker.class.getName() + where + " and by ServiceLoader: "
          + OtherDropInPicker.class.getName() + where + " (expected: each name once)";
      Extensions ext = Extensions.discovered(loader);
      assertThat(ext.problems()).containsExactly(problem);
      List<String> errors = io.mesh4j.config.ConfigValidator.validate(
          ConfigLoader.load("version: 1\nservice: web\n"), ext).stream().map(Object::toString).toList();
      assertThat(errors).containsExactly(problem);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> Extensions.builder().discover(loader))
          .isInstanceOf(IllegalStateException.class).hasMessage(problem);
    }
  }
}
