package io.mesh4j.internal.server;

import io.mesh4j.metrics.MeshMetricNames;

/** How the mesh disposed of an inbound request: the {@code outcome} tag of {@code mesh.server.requests}. */
public enum Outcome {
  PASS(MeshMetricNames.OUTCOME_PASS),
  REDIRECT(MeshMetricNames.OUTCOME_REDIRECT),
  RESPOND(MeshMetricNames.OUTCOME_RESPOND),
  FAULT(MeshMetricNames.OUTCOME_FAULT),
  RATELIMITED(MeshMetricNames.OUTCOME_RATELIMITED),
  DENIED(MeshMetricNames.OUTCOME_DENIED),
  ERROR(MeshMetricNames.OUTCOME_ERROR),
  POLICY(MeshMetricNames.OUTCOME_POLICY),
  FORWARD(MeshMetricNames.OUTCOME_FORWARD),
  OVERLOADED(MeshMetricNames.OUTCOME_OVERLOADED);

  static final Outcome[] ALL = values();

  final String tag;

  Outcome(String tag) {
    this.tag = tag;
  }
}
