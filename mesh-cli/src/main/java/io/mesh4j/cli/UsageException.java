package io.mesh4j.cli;

/** Bad command-line arguments; the message says which and why. Exit code 1. */
final class UsageException extends RuntimeException {
  UsageException(String message) {
    super(message);
  }
}
