package io.agentmesh.agents.state;

import java.util.Objects;

/**
 * One message of an agent's conversation memory.
 *
 * @param role who said it: {@code system}, {@code user}, {@code assistant}, {@code tool}
 * @param content what was said
 */
public record Message(String role, String content) {

  public Message {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(content, "content");
    if (role.isBlank()) {
      throw new IllegalArgumentException("role must not be blank");
    }
  }

  /** The approximate token count used for bounds: characters / 4, rounded up. */
  public int approxTokens() {
    return (content.length() + 3) / 4;
  }
}
