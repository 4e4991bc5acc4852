import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Splits a JFR recording of the mTLS benchmark ({@code run-e2e.sh --mtls}) per measured cell and
 * attributes the CPU samples ({@code jdk.ExecutionSample}) and the sampled allocation ({@code
 * jdk.ObjectAllocationSample}) of each cell to components: JSSE's crypto, JSSE's record layer,
 * Jetty's {@code SslConnection}, OkHttp/Okio, Jetty, mesh4j, socket I/O. A sample belongs to the
 * first frame, from the leaf, of a known component (generic {@code java.*} frames such as locks
 * and collections count for their caller). "TLS, inclusive" counts the samples with any {@code
 * sun.security.ssl} or {@code com.sun.crypto.provider} frame on the stack.
 *
 * <pre>
 * E2E_JAVA_OPTS="-XX:FlightRecorderOptions:stackdepth=256 \
 *   -XX:StartFlightRecording=settings=profile,method-profiling=max,filename=/tmp/client.jfr \
 *   -Dmesh4j.bench.mtls.backend.jfr=/tmp/backend.jfr" \
 *   benchmarks/run-e2e.sh --mtls --rounds 1 --measure 12s 2&gt; /tmp/cells.txt
 * java benchmarks/tools/JfrShares.java /tmp/cells.txt /tmp/client.jfr client
 * java benchmarks/tools/JfrShares.java /tmp/cells.txt /tmp/backend.jfr backend
 * </pre>
 *
 * <p>{@code client} counts only the load threads of the cell's side ({@code load-mTLS-*}, {@code
 * load-plaintext-*}); {@code backend} counts every thread of the backend JVM in the cell's measured
 * window. JFR samples only threads running Java code, so kernel time (socket system calls), GC and
 * JIT threads are not in the shares.
 */
public final class JfrShares {
  private static final String[][] COMPONENTS = {
    {"JSSE crypto (com.sun.crypto.provider)", "com.sun.crypto.provider.", "javax.crypto.",
        "sun.security.provider.", "sun.security.util.", "sun.security.ec."},
    {"JSSE record layer (sun.security.ssl)", "sun.security.ssl.", "javax.net.ssl."},
    {"Jetty SslConnection", "org.eclipse.jetty.io.ssl."},
    {"benchmark driver", "io.mesh4j.benchmarks."},
    {"mesh4j", "io.mesh4j."},
    {"OkHttp/Okio", "okhttp3.", "okio."},
    {"Jetty (HTTP, I/O, threads)", "org.eclipse.jetty."},
    {"socket I/O (sun.nio.ch, java.net)", "sun.nio.ch.", "java.net.", "java.io.FileDescriptor"},
  };
  private static final String OTHER = "other JDK";
  private static final String TLS = "TLS, inclusive";

  private record Cell(String label, String side, long from, long to) {}

  private static final class Tally {
    long samples;
    long allocated;
    final Map<String, Long> cpu = new LinkedHashMap<>();
    final Map<String, Long> alloc = new HashMap<>();
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 3 || !(args[2].equals("client") || args[2].equals("backend"))) {
      System.err.println("usage: JfrShares CELLS.txt RECORDING.jfr client|backend");
      System.exit(2);
    }
    List<Cell> cells = cells(Path.of(args[0]));
    boolean client = args[2].equals("client");
    Map<Cell, Tally> tallies = new LinkedHashMap<>();
    for (Cell c : cells) tallies.put(c, new Tally());
    try (RecordingFile rf = new RecordingFile(Path.of(args[1]))) {
      while (rf.hasMoreEvents()) {
        RecordedEvent e = rf.readEvent();
        String type = e.getEventType().getName();
        boolean cpu = type.equals("jdk.ExecutionSample");
        if (!cpu && !type.equals("jdk.ObjectAllocationSample")) continue;
        long t = e.getStartTime().toEpochMilli();
        RecordedThread th = e.getThread(cpu ? "sampledThread" : "eventThread");
        String name = th == null || th.getJavaName() == null ? "" : th.getJavaName();
        for (Cell c : cells) {
          if (t < c.from || t >= c.to) continue;
          if (client && !name.startsWith("load-" + c.side + "-")) continue;
          Tally tally = tallies.get(c);
          RecordedStackTrace st = e.getStackTrace();
          String component = component(st);
          if (cpu) {
            tally.samples++;
            tally.cpu.merge(component, 1L, Long::sum);
            if (tls(st)) tally.cpu.merge(TLS, 1L, Long::sum);
          } else {
            long w = e.getLong("weight");
            tally.allocated += w;
            tally.alloc.merge(component, w, Long::sum);
          }
        }
      }
    }
    for (Map.Entry<Cell, Tally> en : tallies.entrySet()) {
      Tally t = en.getValue();
      System.out.printf(Locale.ROOT, "%s: %d CPU samples, %d MB sampled allocation%n",
          en.getKey().label, t.samples, t.allocated >> 20);
      t.cpu.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
          .forEach(x -> System.out.printf(Locale.ROOT, "  cpu   %5.1f%%  %s%n",
              100.0 * x.getValue() / Math.max(1, t.samples), x.getKey()));
      t.alloc.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
          .forEach(x -> System.out.printf(Locale.ROOT, "  alloc %5.1f%%  %s%n",
              100.0 * x.getValue() / Math.max(1, t.allocated), x.getKey()));
    }
  }

  /** The measured windows, from MtlsMain's lines on standard error. */
  private static List<Cell> cells(Path file) throws IOException {
    Pattern p = Pattern.compile("^(plaintext|mTLS) c=(\\d+) round (\\d+):.*epoch ms (\\d+)-(\\d+),"
        + " measured from (\\d+)\\)");
    List<Cell> cells = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      Matcher m = p.matcher(line);
      if (!m.find()) continue;
      cells.add(new Cell(m.group(1) + " c=" + m.group(2) + " round " + m.group(3), m.group(1),
          Long.parseLong(m.group(6)), Long.parseLong(m.group(5))));
    }
    if (cells.isEmpty()) throw new IllegalArgumentException(file + ": no cell lines");
    return cells;
  }

  private static String component(RecordedStackTrace st) {
    if (st == null) return OTHER;
    for (RecordedFrame f : st.getFrames()) {
      String type = f.getMethod().getType().getName();
      for (String[] c : COMPONENTS) {
        for (int i = 1; i < c.length; i++) {
          if (type.startsWith(c[i])) return c[0];
        }
      }
    }
    return OTHER;
  }

  private static boolean tls(RecordedStackTrace st) {
    if (st == null) return false;
    for (RecordedFrame f : st.getFrames()) {
      String type = f.getMethod().getType().getName();
      if (type.startsWith("sun.security.ssl.") || type.startsWith("com.sun.crypto.provider.")) {
        return true;
      }
    }
    return false;
  }
}
