package io.mesh4j.benchmarks.e2e;

/**
 * What one scenario did at one concurrency in one round.
 *
 * @param scenario the scenario's key
 * @param concurrency load threads
 * @param requests successful requests started in the measured window
 * @param errors failed requests (exception or a status other than 200) in that window
 * @param firstError the first failure seen (also during warm-up), or null
 * @param windowNanos the measured window's planned length
 * @param latency latencies of the successful requests, in nanoseconds
 * @param clientCpuNanos client process CPU time over the window
 * @param cpuWindowNanos the wall time between the two CPU readings
 * @param allocatedBytes bytes allocated by the load threads over the window
 * @param sidecarCpuNanos sidecar process CPU time over the window, or -1 without a sidecar
 */
record CellResult(
    String scenario,
    int concurrency,
    long requests,
    long errors,
    String firstError,
    long windowNanos,
    LatencyHistogram latency,
    long clientCpuNanos,
    long cpuWindowNanos,
    long allocatedBytes,
    long sidecarCpuNanos) {

  /** Successful requests per second. */
  double throughput() {
    return requests * 1e9 / windowNanos;
  }

  /**
   * Client CPU per successful request, in microseconds: CPU over the window, scaled from the wall
   * time between the two CPU readings to the planned window, divided by the requests.
   */
  double clientCpuMicrosPerRequest() {
    return requests == 0 ? Double.NaN : clientCpuNanos * scale() / 1e3 / requests;
  }

  /** Bytes the load threads allocated per successful request. */
  double allocatedBytesPerRequest() {
    return requests == 0 ? Double.NaN : (double) allocatedBytes / requests;
  }

  /** Sidecar CPU per successful request in microseconds, or NaN without a sidecar. */
  double sidecarCpuMicrosPerRequest() {
    return sidecarCpuNanos < 0 || requests == 0 ? Double.NaN : sidecarCpuNanos * scale() / 1e3 / requests;
  }

  private double scale() {
    return cpuWindowNanos <= 0 ? 1 : (double) windowNanos / cpuWindowNanos;
  }

  /** Latency at {@code percentile} in microseconds, or NaN when nothing succeeded. */
  double latencyMicros(double percentile) {
    return latency.count() == 0 ? Double.NaN : latency.valueAt(percentile) / 1e3;
  }
}
