package io.mesh4j.benchmarks.e2e;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A local sidecar proxy (HAProxy or nginx from the system packages) started as a child process in
 * the foreground, listening on 127.0.0.1 and round-robining over the backends with keep-alive on
 * both sides.
 *
 * <p>Each sidecar gets its own directory for its config, pid file, temp files and log. {@link
 * #close()} terminates the process tree (SIGTERM, then SIGKILL after 5 s) and is idempotent.
 * Thread-safe.
 */
final class Sidecar implements AutoCloseable {
  private static final long READY_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(15);

  private final String name;
  private final String version;
  private final int port;
  private final Process process;
  private final Path log;

  private Sidecar(String name, String version, int port, Process process, Path log) {
    this.name = name;
    this.version = version;
    this.port = port;
    this.process = process;
    this.log = log;
  }

  /**
   * Writes {@code dir/haproxy.cfg} and runs {@code haproxy -f dir/haproxy.cfg -db}.
   *
   * @throws IOException when it cannot be written or started, or does not listen within 15 s
   */
  static Sidecar startHaproxy(Path dir, int port, int[] backends) throws IOException {
    return startHaproxy(dir, port, backends, "roundrobin");
  }

  /** As {@link #startHaproxy(Path, int, int[])} with this {@code balance} algorithm ({@code leastconn}). */
  static Sidecar startHaproxy(Path dir, int port, int[] backends, String balance) throws IOException {
    Files.createDirectories(dir);
    Path config = dir.resolve("haproxy.cfg");
    Files.writeString(config, haproxyConfig(port, backends, balance), StandardCharsets.UTF_8);
    String haproxy = binary("haproxy");
    String version = firstLine(Processes.output(List.of(haproxy, "-v")));
    return start("HAProxy", version, port, dir, List.of(haproxy, "-f", config.toString(), "-db"));
  }

  /**
   * Writes {@code dir/nginx.conf} and runs {@code nginx -p dir -e dir/error.log -c dir/nginx.conf
   * -g 'daemon off;'}.
   *
   * @throws IOException when it cannot be written or started, or does not listen within 15 s
   */
  static Sidecar startNginx(Path dir, int port, int[] backends) throws IOException {
    return startNginx(dir, port, backends, null);
  }

  /**
   * As {@link #startNginx(Path, int, int[])} with this upstream balancing directive ({@code
   * least_conn}; {@code null}: nginx's default round robin).
   */
  static Sidecar startNginx(Path dir, int port, int[] backends, String method) throws IOException {
    Files.createDirectories(dir.resolve("tmp"));
    Path config = dir.resolve("nginx.conf");
    Files.writeString(config, nginxConfig(port, backends, method), StandardCharsets.UTF_8);
    String nginx = binary("nginx");
    String version = firstLine(Processes.output(List.of(nginx, "-v")));
    String prefix = dir.toString().endsWith("/") ? dir.toString() : dir + "/";
    return start("nginx", version, port, dir,
        List.of(nginx, "-p", prefix, "-e", dir.resolve("error.log").toString(), "-c", config.toString(), "-g", "daemon off;"));
  }

  /**
   * The executable {@code name} from {@code PATH}, or from {@code /usr/sbin} and {@code /sbin},
   * where Debian puts haproxy and nginx and which a non-root {@code PATH} often lacks.
   *
   * @throws IOException when it is in none of them
   */
  static String binary(String name) throws IOException {
    List<String> dirs = new java.util.ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) dirs.addAll(List.of(path.split(java.io.File.pathSeparator)));
    dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/local/sbin"));
    for (String dir : dirs) {
      if (dir.isEmpty()) continue;
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return candidate.toString();
    }
    throw new IOException(name + " is not installed (apt-get install -y " + name + ")");
  }

  /** {@link #haproxyConfig(int, int[])} with {@code balance} ({@code roundrobin}, {@code leastconn}). */
  static String haproxyConfig(int port, int[] backends, String balance) {
    return haproxyConfig(port, backends).replace("  balance roundrobin\n", "  balance " + balance + "\n");
  }

  /**
   * {@link #nginxConfig(int, int[])} with an upstream balancing directive ({@code least_conn};
   * {@code null}: round robin).
   */
  static String nginxConfig(int port, int[] backends, String method) {
    String text = nginxConfig(port, backends);
    return method == null
        ? text : text.replace("  upstream backends {\n", "  upstream backends {\n    " + method + ";\n");
  }

  /** HAProxy: HTTP mode, round robin, keep-alive to clients and reuse of idle server connections. */
  static String haproxyConfig(int port, int[] backends) {
    StringBuilder b = new StringBuilder();
    b.append("# mesh4j end-to-end benchmark sidecar: generated, loopback only\n");
    b.append("global\n");
    b.append("  maxconn 4096\n");
    b.append("defaults\n");
    b.append("  mode http\n");
    b.append("  option http-keep-alive\n");
    b.append("  http-reuse always\n");
    b.append("  timeout connect 5s\n");
    b.append("  timeout client 300s\n");
    b.append("  timeout server 300s\n");
    b.append("  timeout http-keep-alive 300s\n");
    b.append("frontend bench\n");
    b.append("  bind 127.0.0.1:").append(port).append('\n');
    b.append("  default_backend backends\n");
    b.append("backend backends\n");
    b.append("  balance roundrobin\n");
    for (int i = 0; i < backends.length; i++) {
      b.append("  server b").append(i).append(" 127.0.0.1:").append(backends[i]).append('\n');
    }
    return b.toString();
  }

  /**
   * nginx: one worker per core, upstream keep-alive pool (HTTP/1.1, {@code Connection} header
   * cleared), no access log, no per-connection request cap that would force reconnects.
   */
  static String nginxConfig(int port, int[] backends) {
    StringBuilder b = new StringBuilder();
    b.append("# mesh4j end-to-end benchmark sidecar: generated, loopback only\n");
    b.append("worker_processes auto;\n");
    b.append("pid nginx.pid;\n");
    b.append("error_log error.log warn;\n");
    b.append("events { worker_connections 4096; }\n");
    b.append("http {\n");
    b.append("  access_log off;\n");
    b.append("  client_body_temp_path tmp/body;\n");
    b.append("  proxy_temp_path tmp/proxy;\n");
    b.append("  fastcgi_temp_path tmp/fastcgi;\n");
    b.append("  uwsgi_temp_path tmp/uwsgi;\n");
    b.append("  scgi_temp_path tmp/scgi;\n");
    b.append("  keepalive_timeout 300s;\n");
    b.append("  keepalive_requests 100000000;\n");
    b.append("  upstream backends {\n");
    for (int backend : backends) b.append("    server 127.0.0.1:").append(backend).append(";\n");
    b.append("    keepalive 256;\n");
    b.append("    keepalive_requests 100000000;\n");
    b.append("    keepalive_timeout 300s;\n");
    b.append("  }\n");
    b.append("  server {\n");
    b.append("    listen 127.0.0.1:").append(port).append(";\n");
    b.append("    location / {\n");
    b.append("      proxy_pass http://backends;\n");
    b.append("      proxy_http_version 1.1;\n");
    b.append("      proxy_set_header Connection \"\";\n");
    b.append("    }\n");
    b.append("  }\n");
    b.append("}\n");
    return b.toString();
  }

  private static Sidecar start(String name, String version, int port, Path dir, List<String> command)
      throws IOException {
    Path log = dir.resolve(name.toLowerCase(java.util.Locale.ROOT) + ".out");
    Process process =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.PIPE)
            .start();
    Sidecar sidecar = new Sidecar(name, version, port, process, log);
    try {
      sidecar.awaitListening();
    } catch (IOException | RuntimeException e) {
      sidecar.close();
      throw e;
    }
    return sidecar;
  }

  private void awaitListening() throws IOException {
    long deadline = System.nanoTime() + READY_TIMEOUT_NANOS;
    while (true) {
      if (!process.isAlive()) {
        throw new IOException(name + " exited with " + process.exitValue() + ": " + tail());
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        return;
      } catch (IOException notYet) {
        if (System.nanoTime() - deadline > 0) {
          throw new IOException(name + " did not listen on 127.0.0.1:" + port + " within 15 s: " + tail());
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
    }
  }

  private String tail() {
    try {
      String text = Files.readString(log, StandardCharsets.UTF_8).strip();
      return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  private static String firstLine(String text) {
    String line = text.strip();
    int newline = line.indexOf('\n');
    return newline < 0 ? line : line.substring(0, newline).strip();
  }

  /** {@code HAProxy} or {@code nginx}. */
  String name() {
    return name;
  }

  /** The first line of {@code -v}. */
  String version() {
    return version;
  }

  /** The 127.0.0.1 port it listens on. */
  int port() {
    return port;
  }

  /** The sidecar's process and its living descendants (nginx's workers), for checks. */
  List<ProcessHandle> processTree() {
    List<ProcessHandle> tree = new java.util.ArrayList<>();
    tree.add(process.toHandle());
    tree.addAll(process.descendants().toList());
    return tree;
  }

  /** CPU time of the sidecar's process tree so far (master and workers), in nanoseconds. */
  long cpuNanos() {
    return ProcCpu.treeNanos(process.toHandle());
  }

  @Override
  public void close() {
    Processes.stop(process);
  }
}
