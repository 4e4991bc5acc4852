package io.mesh4j.event;

import io.mesh4j.config.ConfigError;
import io.mesh4j.endpoint.Endpoint;
import io.mesh4j.outlier.EjectionReason;
import java.time.Duration;
import java.util.List;

/**
 * Listens to what happens to a mesh's endpoints: membership, health, ejections and picker
 * rebuilds. Extend it and override the methods you need; every method does nothing by default.
 *
 * <h2>Threading and rules</h2>
 *
 * <p>Methods are called synchronously, on the thread that caused the change: the mesh's scheduler
 * thread (health-check results, ejection returns, slow-start steps, DNS answers), a probe's
 * completion thread, the thread that reported the outcome that triggered an ejection, or the
 * thread that applied a config reload. They are called while the cluster's state lock is held, so
 * that events of one cluster arrive in the order they happened. An implementation therefore must
 * be fast, must not block, must not call back into the cluster that called it from another thread
 * and wait for it, and should not throw: an exception is caught and logged, and never breaks the
 * mesh.
 *
 * <h2>Pairing</h2>
 *
 * <ul>
 *   <li>{@link #endpointAdded} precedes every other event of an endpoint and {@link
 *       #endpointRemoved} is its last.
 *   <li>{@link #endpointHealthChanged} alternates: false, true, false … (an endpoint starts
 *       healthy).
 *   <li>An enforced {@link #endpointEjected} is followed by exactly one {@link #endpointReturned}
 *       (or by {@link #endpointRemoved}); a dry-run one ({@code enforced == false}) is not.
 *   <li>{@link #pickerRebuilt} follows any change of the usable set or of the weights.
 * </ul>
 */
public abstract class MeshEventListener {

  /** A listener that ignores every event. */
  public static final MeshEventListener NONE = new MeshEventListener() {};

  /** An endpoint joined its cluster (from config, a reload or an endpoint source). */
  public void endpointAdded(Endpoint endpoint) {}

  /** An endpoint left its cluster; its state is gone. */
  public void endpointRemoved(Endpoint endpoint) {}

  /** Active health checking changed the endpoint's health. */
  public void endpointHealthChanged(Endpoint endpoint, boolean healthy) {}

  /**
   * Outlier detection ejected the endpoint, or would have.
   *
   * @param reason what detected it
   * @param duration how long the ejection lasts (or would have lasted)
   * @param enforced {@code false} when the ejection was only detected: a dry run ({@code
   *     enforcing: false}) or {@code max_ejection_percent} reached
   */
  public void endpointEjected(
      Endpoint endpoint, EjectionReason reason, Duration duration, boolean enforced) {}

  /** An ejected endpoint is back in service (its time ran out, or an active check passed). */
  public void endpointReturned(Endpoint endpoint) {}

  /**
   * A cluster published a new picker.
   *
   * @param cluster the cluster name
   * @param usable endpoints that are healthy and not ejected
   * @param total endpoints in the cluster
   * @param panic whether the picker uses all endpoints because fewer than {@code
   *     panic_threshold} percent were usable
   */
  public void pickerRebuilt(String cluster, int usable, int total, boolean panic) {}

  /**
   * A new config became current (the first one included).
   *
   * @param generation 1 for the first config, +1 per successful reload
   * @param configHash a short hash of the config's content
   * @param source a file path, {@code "code"} or {@code "text"}
   */
  public void configReloaded(long generation, String configHash, String source) {}

  /**
   * A config was rejected; the previous one keeps serving.
   *
   * @param source a file path, {@code "code"} or {@code "text"}
   * @param errors every error, each with its path
   */
  public void configReloadFailed(String source, List<ConfigError> errors) {}
}
