package io.mesh4j.spring.boot;

import io.mesh4j.Mesh;
import io.mesh4j.config.ConfigError;
import io.mesh4j.config.ConfigException;
import io.mesh4j.config.ConfigLoader;
import io.mesh4j.config.MeshConfig;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;

/**
 * Builds the {@link Mesh} from the {@code mesh4j.config} location: a file on disk is handed to the
 * mesh so it can be watched, anything else (a classpath entry inside a jar) is read once.
 */
final class MeshConfigLocation {
  private MeshConfigLocation() {}

  /**
   * Loads and validates the config and builds the mesh on {@code builder}.
   *
   * @throws InvalidMeshConfigException naming the location and every error with its field path
   */
  static Mesh build(Mesh.Builder builder, String location, Duration watch, ResourceLoader loader) {
    Resource resource = loader.getResource(location);
    if (!resource.exists()) {
      throw new InvalidMeshConfigException(location, new ConfigException(List.of(
          new ConfigError("mesh4j.config", "no file at " + location
              + " (set mesh4j.config to a classpath: or file: location, or mesh4j.enabled=false)"))));
    }
    try {
      File file = resource.isFile() ? resource.getFile() : null;
      if (file != null) {
        return builder.configFile(file.toPath()).watch(watch).build();
      }
      String text;
      try (InputStream in = resource.getInputStream()) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      MeshConfig config = ConfigLoader.load(text, builder.extensions());
      return builder.config(config).build();
    } catch (ConfigException e) {
      throw new InvalidMeshConfigException(location, e);
    } catch (IOException e) {
      throw new InvalidMeshConfigException(location, new ConfigException(List.of(
          new ConfigError("mesh4j.config", "cannot read " + location + ": " + e))));
    }
  }
}
