package io.mesh4j.spiffe.api;

import io.mesh4j.api.ApiListing;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Fails when mesh-spiffe's public API differs from {@code mesh-spiffe/api/mesh-spiffe.api}. After an
 * intended change: rerun with {@code -Dmesh4j.api.update=true} and commit the file (see {@link
 * ApiListing}).
 */
class PublicApiTest {
  @Test
  void thePublicApiIsTheCommittedOne() throws Exception {
    ApiListing.check(Path.of("target/classes"), Path.of("api/mesh-spiffe.api"));
  }
}
