package io.agentmesh.agents.runtime;

import io.agentmesh.core.graph.AgentContext;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * One input at one node: the payload, the run's shared state, and where the run stands. The input
 * id names this exact input (stable across redeliveries): effects inside the node are keyed on it.
 */
record NodeCall(String runId, String graph, String node, String inputId, byte[] payload, String contentType,
                Map<String, Object> state, int attempt, Optional<Instant> deadline, BooleanSupplier cancelRequested)
    implements AgentContext {

  String text() {
    return new String(payload, StandardCharsets.UTF_8);
  }

  @Override
  public boolean cancelled() {
    return cancelRequested.getAsBoolean() || deadline.map(d -> Instant.now().isAfter(d)).orElse(false);
  }
}
