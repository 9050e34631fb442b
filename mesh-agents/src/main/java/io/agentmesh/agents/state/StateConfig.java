package io.agentmesh.agents.state;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Settings of the Redis state stores.
 *
 * @param ttl time to live of every key of a run, refreshed on each write
 * @param claimCheckThreshold payloads of at least this many bytes travel by reference
 * @param keyPrefix first segment of every key ({@code mesh})
 */
public record StateConfig(Duration ttl, int claimCheckThreshold, String keyPrefix) {

  /** Seven days. */
  public static final Duration DEFAULT_TTL = Duration.ofDays(7);
  /** 256 KiB. */
  public static final int DEFAULT_CLAIM_CHECK_THRESHOLD = 256 * 1024;
  /** {@code mesh}. */
  public static final String DEFAULT_KEY_PREFIX = "mesh";

  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._-]+");

  public StateConfig {
    Objects.requireNonNull(ttl, "ttl");
    Objects.requireNonNull(keyPrefix, "keyPrefix");
    if (ttl.toMillis() < 1) {
      throw new IllegalArgumentException("ttl must be at least 1 ms, got " + ttl);
    }
    if (claimCheckThreshold < 1) {
      throw new IllegalArgumentException("claimCheckThreshold must be at least 1 byte, got " + claimCheckThreshold);
    }
    if (!PREFIX.matcher(keyPrefix).matches()) {
      throw new IllegalArgumentException("keyPrefix must match " + PREFIX + ", got '" + keyPrefix + "'");
    }
  }

  /** The defaults: 7 days, 256 KiB, {@code mesh}. */
  public static StateConfig defaults() {
    return new StateConfig(DEFAULT_TTL, DEFAULT_CLAIM_CHECK_THRESHOLD, DEFAULT_KEY_PREFIX);
  }

  /** A copy with another time to live. */
  public StateConfig withTtl(Duration newTtl) {
    return new StateConfig(newTtl, claimCheckThreshold, keyPrefix);
  }

  /** A copy with another claim-check threshold. */
  public StateConfig withClaimCheckThreshold(int bytes) {
    return new StateConfig(ttl, bytes, keyPrefix);
  }

  /** A copy with another key prefix. */
  public StateConfig withKeyPrefix(String prefix) {
    return new StateConfig(ttl, claimCheckThreshold, prefix);
  }
}
