package io.agentmesh.agents.state;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * How big an agent's memory may grow, and what to do with the oldest messages when it is over.
 *
 * @param maxMessages the most messages kept
 * @param maxTokens the most approximate tokens ({@link Message#approxTokens}) kept
 * @param summariser turns the dropped messages into one message put in their place; when empty
 *     the oldest messages are simply dropped
 */
public record MemoryBound(int maxMessages, int maxTokens, Optional<Function<List<Message>, Message>> summariser) {

  public MemoryBound {
    Objects.requireNonNull(summariser, "summariser");
    if (maxMessages < 1) {
      throw new IllegalArgumentException("maxMessages must be at least 1, got " + maxMessages);
    }
    if (maxTokens < 1) {
      throw new IllegalArgumentException("maxTokens must be at least 1, got " + maxTokens);
    }
    if (summariser.isPresent() && maxMessages < 2) {
      throw new IllegalArgumentException("a summariser needs maxMessages of at least 2 (summary + one), got " + maxMessages);
    }
  }

  /** At most {@code n} messages, oldest dropped. */
  public static MemoryBound messages(int n) {
    return new MemoryBound(n, Integer.MAX_VALUE, Optional.empty());
  }

  /** At most about {@code n} tokens, oldest dropped. */
  public static MemoryBound tokens(int n) {
    return new MemoryBound(Integer.MAX_VALUE, n, Optional.empty());
  }

  /** A copy that summarises dropped messages instead of forgetting them. */
  public MemoryBound summarisedBy(Function<List<Message>, Message> fn) {
    return new MemoryBound(maxMessages, maxTokens, Optional.of(fn));
  }

  /** Whether these messages fit. */
  public boolean holds(List<Message> messages) {
    return messages.size() <= maxMessages
        && messages.stream().mapToLong(Message::approxTokens).sum() <= maxTokens;
  }
}
