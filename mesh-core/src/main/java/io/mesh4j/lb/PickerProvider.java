package io.mesh4j.lb;

import io.mesh4j.config.ArgErrors;
import io.mesh4j.config.ClusterConfig;
import io.mesh4j.config.ExtensionArgs;
import java.util.random.RandomGenerator;

/**
 * A named, custom load-balancing policy, the SPI behind {@code lb: { custom: NAME, args: {...} }}:
 * makes the {@link PickerFactory} a cluster uses instead of a built-in policy. The factory then
 * builds {@link Picker}s off the hot path whenever membership, health or weights change, exactly
 * as for the built-in policies, and every {@link Picker} contract applies (lock-free, allocation
 * free, never {@code null}).
 *
 * <p>Register one on {@code Mesh.Builder.picker} or by {@link java.util.ServiceLoader} in {@code
 * META-INF/services/io.mesh4j.lb.PickerProvider} (then it needs a public no-argument
 * constructor). Names are unique among pickers. Thread-safe; called off the hot path.
 */
public interface PickerProvider {

  /** The name configs use ({@code lb.custom}). */
  String name();

  /**
   * Checks {@code args}, reporting every problem to {@code errors}, in the same pass as the rest
   * of the config. {@link #create} only sees arguments that passed. The default accepts anything.
   */
  default void validate(ExtensionArgs args, ArgErrors errors) {}

  /**
   * The picker factory for {@code cluster} with these (validated) arguments; called when the
   * cluster is (re)configured.
   *
   * @param random the mesh's random source, to seed starting offsets (used only while building)
   * @throws IllegalArgumentException if it cannot be made; the config is then rejected
   */
  PickerFactory create(ExtensionArgs args, ClusterConfig cluster, RandomGenerator random);
}
