package io.mesh4j.config;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which components of the config model a set of configs exercises. A component counts as covered
 * once it has been seen with two different values: then at least one of them differs from what
 * the loader fills in when the key is absent, so a round trip over the configs fails if the writer
 * leaves that component out. Every alternative of a sealed component type (each {@link
 * ActionConfig}) must appear too.
 */
final class ModelCoverage {
  /** Always the same in a valid config, so two values cannot be shown. */
  private static final Set<String> CONSTANT = Set.of("MeshConfig.version");

  private final Map<String, Set<Object>> values = new LinkedHashMap<>();
  private final Set<Class<?>> seen = new HashSet<>();
  private final Set<Class<?>> sealedTypes = new HashSet<>();

  void visit(Object o) {
    if (o == null) return;
    if (o instanceof Collection<?> c) {
      for (Object e : c) visit(e);
      return;
    }
    if (o instanceof Map<?, ?> m) {
      for (Object e : m.values()) visit(e);
      return;
    }
    Class<?> type = o.getClass();
    if (!type.isRecord() || !type.getPackageName().equals("io.mesh4j.config")) return;
    seen.add(type);
    for (RecordComponent rc : type.getRecordComponents()) {
      Object v;
      try {
        v = rc.getAccessor().invoke(o);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
      if (rc.getType().isSealed()) sealedTypes.add(rc.getType());
      values.computeIfAbsent(name(type) + "." + rc.getName(), k -> new HashSet<>())
          .add(v == null ? "null" : v);
      visit(v);
    }
  }

  /** The components seen with only one value, and sealed alternatives never seen. */
  List<String> unset() {
    List<String> out = new ArrayList<>();
    values.forEach((k, v) -> {
      if (v.size() < 2 && !CONSTANT.contains(k)) out.add(k + " always " + v);
    });
    for (Class<?> s : sealedTypes) {
      for (Class<?> alt : s.getPermittedSubclasses()) {
        if (!seen.contains(alt)) out.add(name(alt) + " never used");
      }
    }
    return out;
  }

  private static String name(Class<?> c) {
    return c.getName().substring(c.getPackageName().length() + 1).replace('$', '.');
  }
}
