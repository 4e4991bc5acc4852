package io.mesh4j.benchmarks.e2e;

/** Hand-made cells for summary and report tests. */
final class Cells {
  private Cells() {}

  /**
   * A cell of {@code requests} successes in a 1 s window, every latency {@code latencyMicros},
   * client CPU 50 µs and 1,000 bytes per request, sidecar CPU 20 µs per request for C and D.
   */
  static CellResult cell(String scenario, int concurrency, long requests, long latencyMicros) {
    LatencyHistogram h = new LatencyHistogram();
    for (long i = 0; i < requests; i++) h.record(latencyMicros * 1_000);
    boolean sidecar = scenario.equals("C") || scenario.equals("D");
    return new CellResult(
        scenario, concurrency, requests, 0, null, 1_000_000_000L, h,
        requests * 50_000, 1_000_000_000L, requests * 1_000, sidecar ? requests * 20_000 : -1);
  }
}
