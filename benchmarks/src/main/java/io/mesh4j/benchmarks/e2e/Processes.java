package io.mesh4j.benchmarks.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Small helpers for the child processes the comparison starts. */
final class Processes {
  private Processes() {}

  /**
   * Runs {@code command} to completion (at most 30 s) and returns its combined stdout and stderr.
   *
   * @throws IOException when it cannot be started, fails, or times out
   */
  static String output(List<String> command) throws IOException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    byte[] bytes;
    try (InputStream in = process.getInputStream()) {
      bytes = in.readAllBytes();
    }
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(String.join(" ", command) + ": timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IOException(String.join(" ", command) + ": interrupted", e);
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " exited with " + process.exitValue() + ": " + text.strip());
    }
    return text;
  }

  /**
   * Terminates {@code process} and its descendants: SIGTERM, up to 5 s for it to exit, then
   * SIGKILL for whatever is left. Never throws; returns at once when it already exited.
   */
  static void stop(Process process) {
    List<ProcessHandle> descendants = process.descendants().toList();
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
    for (ProcessHandle child : descendants) {
      if (child.isAlive()) child.destroyForcibly();
    }
  }
}
