package io.mesh4j.config;

/** An inclusive range of HTTP statuses ({@code 200-299}, or a single {@code 204}). Immutable. */
public record StatusRange(int from, int to) {
  /** 200-299. */
  public static final StatusRange SUCCESS = new StatusRange(200, 299);

  public boolean contains(int status) {
    return status >= from && status <= to;
  }

  @Override
  public String toString() {
    return from == to ? Integer.toString(from) : from + "-" + to;
  }
}
