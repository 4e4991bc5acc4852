package io.mesh4j.api;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Fails when mesh-core's public API differs from {@code mesh-core/api/mesh-core.api}. After an
 * intended change: rerun with {@code -Dmesh4j.api.update=true} and commit the file (see {@link
 * ApiListing}).
 */
class PublicApiTest {
  @Test
  void thePublicApiIsTheCommittedOne() throws Exception {
    ApiListing.check(Path.of("target/classes"), Path.of("api/mesh-core.api"));
  }
}
