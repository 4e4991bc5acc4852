package io.mesh4j.examples.boot;

import io.mesh4j.examples.boot.handwired.HandWiredMesh;
import io.mesh4j.examples.boot.storefront.StorefrontApplication;
import java.lang.management.ManagementFactory;
import java.util.Comparator;
import java.util.List;
import java.util.stream.StreamSupport;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.metrics.buffering.BufferingApplicationStartup;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Measures the storefront's startup, for the starter's added-startup figures in
 * docs/spring-boot.md: starts it on a free port, prints {@code startup-ms=N} (JVM start to the
 * application being ready, the figure Boot logs as "process running for"), the CPU time of the main
 * thread and of the whole process until then, and the number of classes loaded, and exits. Run with and
 * without the mesh4j jars on the class path (the storefront's code does not reference mesh4j).
 * {@code --steps} also prints the slowest {@code ApplicationStartup} steps that mention mesh4j.
 * {@code --hand-wired} starts the starter's baseline instead: the same storefront and mesh wired by
 * hand ({@link HandWiredMesh}) with the starter off ({@code mesh4j.enabled=false}).
 */
public final class StartupTiming {
  private StartupTiming() {}

  public static void main(String[] args) {
    List<String> flags = List.of(args);
    boolean steps = flags.contains("--steps");
    boolean handWired = flags.contains("--hand-wired");
    SpringApplication app = handWired
        ? new SpringApplication(StorefrontApplication.class, HandWiredMesh.class)
        : new SpringApplication(StorefrontApplication.class);
    BufferingApplicationStartup startup = new BufferingApplicationStartup(20_000);
    if (steps) app.setApplicationStartup(startup);
    ConfigurableApplicationContext ctx = app.run("--server.port=0", "--server.address=127.0.0.1",
        "--mesh4j.config=classpath:startup/mesh.yaml", "--mesh4j.enabled=" + !handWired,
        "--logging.level.root=WARN", "--spring.main.banner-mode=off");
    long ms = ManagementFactory.getRuntimeMXBean().getUptime();
    long mainCpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() / 1_000_000;
    long cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime() / 1_000_000;
    System.out.println("startup-ms=" + ms);
    System.out.println("main-cpu-ms=" + mainCpu);
    System.out.println("cpu-ms=" + cpu);
    System.out.println("classes=" + ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount());
    if (steps) {
      StreamSupport.stream(startup.getBufferedTimeline().getEvents().spliterator(), false)
          .filter(e -> tags(e.getStartupStep()).contains("mesh"))
          .sorted(Comparator.comparing(e -> -e.getDuration().toNanos()))
          .limit(25)
          .forEach(e -> System.out.println("step " + e.getDuration().toMillis() + " ms "
              + e.getStartupStep().getName() + " " + tags(e.getStartupStep())));
    }
    ctx.close();
  }

  private static String tags(org.springframework.core.metrics.StartupStep step) {
    StringBuilder sb = new StringBuilder();
    for (org.springframework.core.metrics.StartupStep.Tag t : step.getTags()) {
      sb.append(t.getKey()).append('=').append(t.getValue()).append(' ');
    }
    return sb.toString();
  }
}
