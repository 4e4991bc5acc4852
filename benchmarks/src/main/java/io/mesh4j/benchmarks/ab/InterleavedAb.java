package io.mesh4j.benchmarks.ab;

import java.io.File;
import java.lang.annotation.Annotation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Compares one JMH benchmark method of two builds <em>in one JVM</em>, interleaved: the calling
 * thread's CPU per invocation of build A and of build B, measured in alternating slices (A B, then
 * B A, ...), so that whatever the machine does over time (steal, frequency, a neighbour's build)
 * falls on both builds alike. Made for differences of a few instructions per call, which whole
 * forks cannot resolve on a shared VM (forks of the same build differ by 10–25 % there).
 *
 * <p>Each build's shaded {@code benchmarks.jar} is loaded in its own class loader whose parent is
 * the platform loader, so the two builds share no class (not even OkHttp's or JMH's) and each is
 * compiled by the JIT on its own. The benchmark class is instantiated once per build, its
 * no-argument {@code @Setup} methods run, then its {@code @Benchmark} method is called in a loop
 * with a {@code Blackhole} and fresh instances of its other state parameters (no-argument
 * {@code @Setup} methods of those run once). Giving the same jar twice measures the method's own
 * resolution (an A/A run: the ratio must come out 1 within its interval).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.mesh4j.benchmarks.ab.InterleavedAb \
 *     --a before.jar --b after.jar --benchmark io.mesh4j.benchmarks.InMemoryCallBenchmark.mesh \
 *     --warmup 20 --rounds 60 --slice-ms 500
 * </pre>
 *
 * <p>Prints the median CPU per invocation of each build and, over the rounds, the ratio B/A of
 * each round's pair: its median with a 95 % bootstrap interval (the figure to read: a slice in which
 * the host took the vCPU away is inflated, and the mean follows such slices), and its mean with a
 * 95 % interval (Student's t).
 */
public final class InterleavedAb {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final String BLACKHOLE_PASSWORD =
      "Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.";

  private InterleavedAb() {}

  /** One build's benchmark, loaded in its own class loader and set up. */
  static final class Variant implements AutoCloseable {
    final String name;
    private final URLClassLoader loader;
    private final Object benchmark;
    private final MethodHandle invoke;
    private final Object[] args;
    private final List<Method> tearDowns = new ArrayList<>();

    Variant(String name, File jar, String className, String methodName) throws Exception {
      this.name = name;
      this.loader = new URLClassLoader(name, new URL[] {jar.toURI().toURL()},
          ClassLoader.getPlatformClassLoader());
      Thread current = Thread.currentThread();
      ClassLoader previous = current.getContextClassLoader();
      current.setContextClassLoader(loader);
      try {
        Class<?> type = Class.forName(className, true, loader);
        benchmark = type.getDeclaredConstructor().newInstance();
        for (Method m : type.getMethods()) {
          if (m.getParameterCount() == 0 && annotated(m, "Setup")) m.invoke(benchmark);
          if (m.getParameterCount() == 0 && annotated(m, "TearDown")) tearDowns.add(m);
        }
        Method method = Arrays.stream(type.getMethods())
            .filter(m -> m.getName().equals(methodName) && annotated(m, "Benchmark"))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException(
                "no @Benchmark method " + methodName + " in " + className + " of " + jar));
        Class<?>[] parameters = method.getParameterTypes();
        args = new Object[parameters.length];
        for (int i = 0; i < parameters.length; i++) args[i] = parameter(parameters[i]);
        MethodHandle mh = MethodHandles.publicLookup().unreflect(method).bindTo(benchmark);
        invoke = mh.asSpreader(Object[].class, parameters.length)
            .asType(MethodType.methodType(void.class, Object[].class));
      } finally {
        current.setContextClassLoader(previous);
      }
    }

    private static boolean annotated(Method m, String simpleName) {
      for (Annotation a : m.getAnnotations()) {
        if (a.annotationType().getName().equals("org.openjdk.jmh.annotations." + simpleName)) return true;
      }
      return false;
    }

    private static Object parameter(Class<?> type) throws Exception {
      if (type.getName().equals("org.openjdk.jmh.infra.Blackhole")) {
        return type.getConstructor(String.class).newInstance(BLACKHOLE_PASSWORD);
      }
      Object state = type.getDeclaredConstructor().newInstance();
      for (Method m : type.getMethods()) {
        if (m.getParameterCount() == 0 && annotated(m, "Setup")) m.invoke(state);
      }
      return state;
    }

    /** Runs the benchmark for about {@code sliceNanos}; returns the thread's CPU nanos per call. */
    double slice(long sliceNanos) throws Throwable {
      Thread current = Thread.currentThread();
      ClassLoader previous = current.getContextClassLoader();
      current.setContextClassLoader(loader);
      try {
        long calls = 0;
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        long end = System.nanoTime() + sliceNanos;
        do {
          for (int i = 0; i < 16; i++) invoke.invokeExact(args);
          calls += 16;
        } while (System.nanoTime() - end < 0);
        return (double) (THREADS.getCurrentThreadCpuTime() - cpu0) / calls;
      } finally {
        current.setContextClassLoader(previous);
      }
    }

    @Override
    public void close() throws Exception {
      for (Method m : tearDowns) m.invoke(benchmark);
      loader.close();
    }
  }

  public static void main(String[] argv) throws Throwable {
    String a = null;
    String b = null;
    String benchmark = null;
    double warmupSeconds = 20;
    int rounds = 60;
    long sliceMs = 500;
    for (int i = 0; i < argv.length; i++) {
      String value = i + 1 < argv.length ? argv[i + 1] : null;
      if (value == null) throw new IllegalArgumentException(argv[i] + ": missing value");
      switch (argv[i]) {
        case "--a" -> { a = value; i++; }
        case "--b" -> { b = value; i++; }
        case "--benchmark" -> { benchmark = value; i++; }
        case "--warmup" -> { warmupSeconds = Double.parseDouble(value); i++; }
        case "--rounds" -> { rounds = Integer.parseInt(value); i++; }
        case "--slice-ms" -> { sliceMs = Long.parseLong(value); i++; }
        default -> throw new IllegalArgumentException("unknown argument " + argv[i]
            + " (expected --a JAR --b JAR --benchmark CLASS.METHOD [--warmup S] [--rounds N] [--slice-ms MS])");
      }
    }
    if (a == null || b == null || benchmark == null) {
      throw new IllegalArgumentException("--a JAR, --b JAR and --benchmark CLASS.METHOD are required");
    }
    int dot = benchmark.lastIndexOf('.');
    String className = benchmark.substring(0, dot);
    String method = benchmark.substring(dot + 1);
    long slice = sliceMs * 1_000_000L;

    try (Variant va = new Variant("A", new File(a), className, method);
        Variant vb = new Variant("B", new File(b), className, method)) {
      long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
      while (System.nanoTime() - warmupEnd < 0) {
        va.slice(slice);
        vb.slice(slice);
      }
      double[] cpuA = new double[rounds];
      double[] cpuB = new double[rounds];
      double[] ratio = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        if (r % 2 == 0) {
          cpuA[r] = va.slice(slice);
          cpuB[r] = vb.slice(slice);
        } else {
          cpuB[r] = vb.slice(slice);
          cpuA[r] = va.slice(slice);
        }
        ratio[r] = cpuB[r] / cpuA[r];
      }
      print(a, b, benchmark, warmupSeconds, rounds, sliceMs, cpuA, cpuB, ratio);
    }
  }

  private static void print(String a, String b, String benchmark, double warmup, int rounds,
      long sliceMs, double[] cpuA, double[] cpuB, double[] ratio) {
    double mean = Arrays.stream(ratio).average().orElse(Double.NaN);
    double var = 0;
    for (double r : ratio) var += (r - mean) * (r - mean);
    double sd = Math.sqrt(var / (ratio.length - 1));
    double half = tQuantile975(ratio.length - 1) * sd / Math.sqrt(ratio.length);
    System.out.printf(Locale.ROOT, "benchmark %s, %d rounds of %d ms slices after %.0f s warm-up%n",
        benchmark, rounds, sliceMs, warmup);
    System.out.printf(Locale.ROOT, "A %s: median %.1f ns CPU per call (min %.1f, max %.1f)%n", a,
        median(cpuA), min(cpuA), max(cpuA));
    System.out.printf(Locale.ROOT, "B %s: median %.1f ns CPU per call (min %.1f, max %.1f)%n", b,
        median(cpuB), min(cpuB), max(cpuB));
    double[] medianInterval = bootstrapMedianInterval(ratio, 2000, 42);
    System.out.printf(Locale.ROOT,
        "B/A per round: median %.4f, 95%% bootstrap interval of the median [%.4f, %.4f]%n",
        median(ratio), medianInterval[0], medianInterval[1]);
    System.out.printf(Locale.ROOT,
        "B/A per round: mean %.4f, 95%% interval of the mean [%.4f, %.4f] (sd %.4f; the mean"
            + " follows the slices a descheduled vCPU inflated, the median does not)%n",
        mean, mean - half, mean + half, sd);
  }

  /** The 2.5 % and 97.5 % points of the medians of {@code resamples} resamples (fixed seed). */
  static double[] bootstrapMedianInterval(double[] values, int resamples, long seed) {
    java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
    double[] medians = new double[resamples];
    double[] sample = new double[values.length];
    for (int r = 0; r < resamples; r++) {
      for (int i = 0; i < sample.length; i++) sample[i] = values[random.nextInt(values.length)];
      medians[r] = median(sample);
    }
    Arrays.sort(medians);
    return new double[] {medians[(int) (resamples * 0.025)], medians[(int) (resamples * 0.975) - 1]};
  }

  static double median(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private static double min(double[] values) {
    return Arrays.stream(values).min().orElse(Double.NaN);
  }

  private static double max(double[] values) {
    return Arrays.stream(values).max().orElse(Double.NaN);
  }

  /** Student's t 97.5 % quantile for {@code df} degrees of freedom (table up to 30, then normal-ish). */
  static double tQuantile975(int df) {
    double[] table = {Double.NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262,
        2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074,
        2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
    if (df < 1) return Double.NaN;
    if (df < table.length) return table[df];
    if (df <= 40) return 2.021;
    if (df <= 60) return 2.000;
    if (df <= 120) return 1.980;
    return 1.960;
  }
}
