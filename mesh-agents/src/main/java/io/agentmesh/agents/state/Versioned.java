package io.agentmesh.agents.state;

import java.util.Objects;

/**
 * A value with the version it was read at; version 0 means nothing was stored yet.
 *
 * @param version the version, incremented by each successful compare-and-set
 * @param value the value
 */
public record Versioned<T>(long version, T value) {

  public Versioned {
    if (version < 0) {
      throw new IllegalArgumentException("version must not be negative, got " + version);
    }
    Objects.requireNonNull(value, "value");
  }
}
