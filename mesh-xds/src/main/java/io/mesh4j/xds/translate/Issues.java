package io.mesh4j.xds.translate;

import io.mesh4j.xds.translate.TranslationIssue.Severity;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The issues of one translation run, each reported once, in the order found. Not thread-safe. */
final class Issues {
  private final Set<TranslationIssue> issues = new LinkedHashSet<>();

  void add(Severity severity, String type, String name, String field, String message) {
    issues.add(new TranslationIssue(severity, type, name, field, message));
  }

  boolean anyRejected() {
    for (TranslationIssue i : issues) {
      if (i.severity() == Severity.REJECTED) return true;
    }
    return false;
  }

  List<TranslationIssue> list() {
    return new ArrayList<>(issues);
  }

  /** Issues of one resource. */
  Scope scope(String type, String name) {
    return new Scope(this, type, name == null ? "" : name);
  }

  /** Reports issues against one resource (type and name fixed). */
  record Scope(Issues issues, String type, String name) {
    void reject(String field, String message) {
      issues.add(Severity.REJECTED, type, name, field, message);
    }

    void ignore(String field, String message) {
      issues.add(Severity.IGNORED, type, name, field, message);
    }
  }
}
