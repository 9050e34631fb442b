package io.agentmesh.core.graph;

import java.util.Objects;
import java.util.Optional;

/**
 * Conversation memory of an {@code llm} node: the node's earlier turns in the same run are sent
 * with each call, kept within a bound.
 *
 * @param maxMessages the most messages kept (user and assistant turns count one each)
 * @param maxTokens the most approximate tokens kept (four characters a token)
 * @param summarise when over the bound, replace the oldest messages by a summary written by the
 *     node's model instead of dropping them
 * @param shared the memory's name when several agents share one conversation (handoff, swarm);
 *     empty: the node's own memory
 */
public record MemorySpec(int maxMessages, int maxTokens, boolean summarise, Optional<String> shared) {

  /** Messages kept when a node declares memory without {@code maxMessages}. */
  public static final int DEFAULT_MAX_MESSAGES = 20;

  public MemorySpec {
    Objects.requireNonNull(shared, "shared");
  }

  /** The Redis name of the memory for node {@code node}. */
  public String key(String node) {
    return shared.orElse(node);
  }
}
