package io.mesh4j.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The public API of one module as text: every public or protected type outside {@code
 * io.mesh4j.internal} reachable from outside its package, with its public and protected
 * constructors, methods and fields, one line each, sorted. A module's {@code PublicApiTest}
 * compares it with the committed {@code api/<module>.api} (as OkHttp does with its API dump), so a
 * change to what users and extension authors see is a reviewed change to that file.
 *
 * <p>To accept a change, run the module's test with {@code -Dmesh4j.api.update=true} (it rewrites
 * the file and passes), then review and commit the diff:
 *
 * <pre>{@code mvn -B -o -pl mesh-core -am test -Dtest=PublicApiTest -Dsurefire.failIfNoSpecifiedTests=false -Dmesh4j.api.update=true}</pre>
 */
public final class ApiListing {
  /** The system property that makes {@link #check} rewrite the committed file instead of failing. */
  public static final String UPDATE_PROPERTY = "mesh4j.api.update";

  private ApiListing() {}

  /**
   * Compares the API of the classes compiled into {@code classes} with {@code committed}, or
   * rewrites {@code committed} when {@value #UPDATE_PROPERTY} is {@code true}.
   */
  public static void check(Path classes, Path committed) throws IOException {
    String actual = listing(classes);
    if (Boolean.getBoolean(UPDATE_PROPERTY)) {
      Files.createDirectories(committed.toAbsolutePath().getParent());
      Files.writeString(committed, actual, StandardCharsets.UTF_8);
      return;
    }
    String expected = Files.exists(committed) ? Files.readString(committed, StandardCharsets.UTF_8) : "";
    assertThat(actual)
        .as("the public API changed; if intended, rerun with -D%s=true and commit %s",
            UPDATE_PROPERTY, committed)
        .isEqualTo(expected);
  }

  /** Number of public API types in {@code classes} (outside {@code io.mesh4j.internal}). */
  public static long typeCount(Path classes) throws IOException {
    return types(classes).size();
  }

  static String listing(Path classes) throws IOException {
    StringBuilder out = new StringBuilder();
    for (Class<?> c : types(classes)) {
      out.append(header(c)).append('\n');
      List<String> members = new ArrayList<>();
      for (Field f : c.getDeclaredFields()) {
        if (visible(f.getModifiers()) && !f.isSynthetic()) members.add(f.toGenericString());
      }
      for (Constructor<?> k : c.getDeclaredConstructors()) {
        if (visible(k.getModifiers()) && !k.isSynthetic()) members.add(k.toGenericString());
      }
      for (Method m : c.getDeclaredMethods()) {
        if (visible(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) {
          members.add(m.toGenericString());
        }
      }
      members.sort(null);
      for (String m : members) out.append("  ").append(m).append('\n');
      out.append('\n');
    }
    return out.toString();
  }

  private static List<Class<?>> types(Path classes) throws IOException {
    List<Class<?>> types = new ArrayList<>();
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path p : (Iterable<Path>) files.sorted()::iterator) {
        String rel = classes.relativize(p).toString().replace('\\', '/');
        if (!rel.endsWith(".class") || rel.endsWith("module-info.class")
            || rel.endsWith("package-info.class") || rel.startsWith("io/mesh4j/internal/")) {
          continue;
        }
        String name = rel.substring(0, rel.length() - ".class".length()).replace('/', '.');
        Class<?> c;
        try {
          c = Class.forName(name, false, ApiListing.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
          throw new UncheckedIOException(new IOException("cannot load " + name, e));
        }
        if (exported(c)) types.add(c);
      }
    }
    types.sort((a, b) -> a.getName().compareTo(b.getName()));
    return types;
  }

  /** Public (or protected and nested in an exported type), and not anonymous or local. */
  private static boolean exported(Class<?> c) {
    if (c.isAnonymousClass() || c.isLocalClass() || c.isSynthetic()) return false;
    Class<?> outer = c.getDeclaringClass();
    if (outer == null) return Modifier.isPublic(c.getModifiers());
    return visible(c.getModifiers()) && exported(outer);
  }

  private static boolean visible(int modifiers) {
    return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
  }

  private static String header(Class<?> c) {
    StringBuilder h = new StringBuilder();
    int mods = c.getModifiers() & ~(Modifier.SYNCHRONIZED | Modifier.INTERFACE);
    if (c.isInterface()) mods &= ~(Modifier.ABSTRACT | Modifier.STATIC);
    h.append(Modifier.toString(mods)).append(' ');
    h.append(c.isAnnotation() ? "@interface " : c.isInterface() ? "interface "
        : c.isEnum() ? "enum " : c.isRecord() ? "record " : "class ");
    h.append(c.getTypeName());
    if (c.getSuperclass() != null && c.getSuperclass() != Object.class && !c.isEnum()
        && !c.isRecord()) {
      h.append(" extends ").append(c.getGenericSuperclass().getTypeName());
    }
    var interfaces = c.getGenericInterfaces();
    if (interfaces.length > 0) {
      h.append(c.isInterface() ? " extends " : " implements ");
      for (int i = 0; i < interfaces.length; i++) {
        if (i > 0) h.append(", ");
        h.append(interfaces[i].getTypeName());
      }
    }
    if (c.isSealed()) {
      h.append(" permits ");
      Class<?>[] permitted = c.getPermittedSubclasses();
      for (int i = 0; i < permitted.length; i++) {
        if (i > 0) h.append(", ");
        h.append(permitted[i].getTypeName());
      }
    }
    return h.toString().strip();
  }
}
