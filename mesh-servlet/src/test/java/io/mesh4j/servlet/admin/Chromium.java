package io.mesh4j.servlet.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A headless Chromium driven over the DevTools protocol with the JDK's own WebSocket client: just
 * enough to open a page, evaluate JavaScript, wait for a condition, collect console errors and
 * take screenshots. One page per instance. Used by the dashboard browser test only.
 */
final class Chromium implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

  private final Process process;
  private final WebSocket socket;
  private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final List<Consumer<JsonNode>> eventListeners = new CopyOnWriteArrayList<>();
  private final AtomicLong ids = new AtomicLong();
  /** Console errors, uncaught exceptions and browser log errors (CSP violations among them). */
  final List<String> errors = new CopyOnWriteArrayList<>();
  private String session;

  /**
   * The Chromium binary: {@code $MESH4J_CHROMIUM}, else the first of chromium, chromium-browser,
   * google-chrome on the PATH.
   */
  static Optional<Path> find() {
    String env = System.getenv("MESH4J_CHROMIUM");
    if (env != null && !env.isEmpty() && Files.isExecutable(Path.of(env))) return Optional.of(Path.of(env));
    String path = System.getenv("PATH");
    if (path == null) return Optional.empty();
    for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
      for (String dir : path.split(File.pathSeparator)) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p)) return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Starts the browser with a fresh profile in {@code profile} and opens a blank page. */
  static Chromium launch(Path binary, Path profile) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        binary.toString(),
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-extensions", "--hide-scrollbars", "--mute-audio",
        "--user-data-dir=" + profile,
        "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
        "about:blank"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(profile.resolve("stdout.log").toFile());
    // Chromium leaves scratch directories in $TMPDIR: keep them inside the profile, removed with it.
    pb.environment().put("TMPDIR", Files.createDirectories(profile.resolve("tmp")).toString());
    Process p = pb.start();
    try {
      return new Chromium(p, awaitDevToolsUrl(p, profile.resolve("stderr.log")));
    } catch (Exception e) {
      destroy(p);
      throw e;
    }
  }

  /** Reads stderr until Chromium says where DevTools listens; the rest goes to a log file. */
  private static URI awaitDevToolsUrl(Process p, Path log) throws Exception {
    CompletableFuture<URI> url = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
          var out = Files.newBufferedWriter(log)) {
        String line;
        while ((line = r.readLine()) != null) {
          out.write(line);
          out.newLine();
          out.flush();
          Matcher m = LISTENING.matcher(line);
          if (m.find()) url.complete(URI.create(m.group(1)));
        }
        url.completeExceptionally(new IOException("chromium exited before DevTools listened; see " + log));
      } catch (IOException e) {
        url.completeExceptionally(e);
      }
    }, "chromium-stderr");
    reader.setDaemon(true);
    reader.start();
    return url.get(30, TimeUnit.SECONDS);
  }

  private Chromium(Process process, URI devtools) throws Exception {
    this.process = process;
    this.socket = HttpClient.newHttpClient().newWebSocketBuilder()
        .buildAsync(devtools, new Listener()).get(30, TimeUnit.SECONDS);
    eventListeners.add(this::collectErrors);
    String target = call(null, "Target.createTarget", Map.of("url", "about:blank"))
        .get("targetId").textValue();
    session = call(null, "Target.attachToTarget", Map.of("targetId", target, "flatten", true))
        .get("sessionId").textValue();
    call("Runtime.enable", Map.of());
    call("Log.enable", Map.of());
    call("Page.enable", Map.of());
  }

  private void collectErrors(JsonNode event) {
    String method = event.path("method").asText();
    JsonNode params = event.path("params");
    switch (method) {
      case "Runtime.exceptionThrown" -> errors.add("exception: " + params.path("exceptionDetails"));
      case "Runtime.consoleAPICalled" -> {
        if (params.path("type").asText().equals("error")) errors.add("console.error: " + params.path("args"));
      }
      case "Log.entryAdded" -> {
        JsonNode entry = params.path("entry");
        if (entry.path("level").asText().equals("error")) {
          errors.add("log: " + entry.path("text").asText() + " " + entry.path("url").asText());
        }
      }
      default -> { }
    }
  }

  /** Sets the viewport: width × height CSS pixels at {@code scale}; {@code mobile} emulates a phone. */
  void viewport(int width, int height, double scale, boolean mobile) throws Exception {
    call("Emulation.setDeviceMetricsOverride", Map.of(
        "width", width, "height", height, "deviceScaleFactor", scale, "mobile", mobile));
  }

  /** Navigates and waits for the load event. */
  void open(String url) throws Exception {
    CompletableFuture<JsonNode> loaded = nextEvent("Page.loadEventFired");
    JsonNode r = call("Page.navigate", Map.of("url", url));
    if (r.hasNonNull("errorText")) throw new IOException("navigation failed: " + r.get("errorText").asText());
    loaded.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  /** Evaluates {@code expression} in the page and returns its value as JSON. */
  JsonNode eval(String expression) throws Exception {
    JsonNode r = call("Runtime.evaluate", Map.of(
        "expression", expression, "returnByValue", true, "awaitPromise", true));
    if (r.has("exceptionDetails")) {
      throw new AssertionError("JavaScript failed: " + r.get("exceptionDetails") + "\n" + expression);
    }
    return r.path("result").path("value");
  }

  /**
   * Waits, in the page, until {@code condition} (a JavaScript expression) is truthy; checks every
   * 50 ms with the page's own timer.
   *
   * @throws AssertionError with {@code describe}'s value when the deadline passes
   */
  void await(String condition, Duration timeout, String describe) throws Exception {
    String js = "new Promise(resolve => { const end = Date.now() + " + timeout.toMillis() + ";"
        + " (function check() { let ok = false; try { ok = !!(" + condition + "); } catch (e) {}"
        + " if (ok) return resolve(true); if (Date.now() > end) return resolve(false);"
        + " setTimeout(check, 50); })(); })";
    if (!eval(js).asBoolean()) {
      throw new AssertionError("timed out after " + timeout + " waiting for: " + condition
          + "\npage state: " + eval(describe));
    }
  }

  /** A PNG of the viewport (or of the whole page when {@code fullPage}). */
  byte[] screenshot(boolean fullPage) throws Exception {
    Map<String, Object> params = new java.util.HashMap<>(Map.of("format", "png"));
    if (fullPage) params.put("captureBeyondViewport", true);
    if (fullPage) {
      JsonNode metrics = call("Page.getLayoutMetrics", Map.of());
      JsonNode size = metrics.path("cssContentSize");
      params.put("clip", Map.of("x", 0, "y", 0, "width", size.path("width").asDouble(),
          "height", size.path("height").asDouble(), "scale", 1));
    }
    return Base64.getDecoder().decode(call("Page.captureScreenshot", params).get("data").textValue());
  }

  private CompletableFuture<JsonNode> nextEvent(String method) {
    CompletableFuture<JsonNode> f = new CompletableFuture<>();
    Consumer<JsonNode> l = new Consumer<>() {
      @Override
      public void accept(JsonNode e) {
        if (e.path("method").asText().equals(method)) {
          eventListeners.remove(this);
          f.complete(e);
        }
      }
    };
    eventListeners.add(l);
    return f;
  }

  JsonNode call(String method, Map<String, ?> params) throws Exception {
    return call(session, method, params);
  }

  private JsonNode call(String sessionId, String method, Map<String, ?> params) throws Exception {
    long id = ids.incrementAndGet();
    ObjectNode msg = JSON.createObjectNode();
    msg.put("id", id);
    msg.put("method", method);
    msg.set("params", JSON.valueToTree(params));
    if (sessionId != null) msg.put("sessionId", sessionId);
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    pending.put(id, reply);
    synchronized (socket) {
      socket.sendText(JSON.writeValueAsString(msg), true).get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }
    JsonNode r = reply.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    if (r.has("error")) throw new IOException(method + " failed: " + r.get("error"));
    return r.path("result");
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        String message = text.toString();
        text.setLength(0);
        try {
          JsonNode n = JSON.readTree(message);
          if (n.has("id")) {
            CompletableFuture<JsonNode> f = pending.remove(n.get("id").asLong());
            if (f != null) f.complete(n);
          } else {
            for (Consumer<JsonNode> l : eventListeners) l.accept(n);
          }
        } catch (IOException e) {
          errors.add("unreadable DevTools message: " + e);
        }
      }
      ws.request(1);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      pending.values().forEach(f -> f.completeExceptionally(error));
    }
  }

  @Override
  public void close() {
    try {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // The browser is going away regardless.
    }
    destroy(process);
  }

  /** Ends the browser and every process it started. */
  private static void destroy(Process p) {
    List<ProcessHandle> children = p.descendants().toList();
    p.destroy();
    children.forEach(ProcessHandle::destroy);
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    children.forEach(c -> {
      if (c.isAlive()) c.destroyForcibly();
    });
  }
}
