package io.agentmesh.agents.state;

import io.lettuce.core.SetArgs;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * Big payloads by reference (the claim-check pattern): the bytes go to Redis under a key of the
 * run, and the message carries a {@link Reference} instead. Keys are content-addressed by
 * SHA-256, so storing the same payload twice in a run stores it once; reading verifies the size
 * and the digest, so a truncated or altered value is an error, never a silent wrong answer.
 */
public final class ClaimCheck {

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  /**
   * Where a payload lies.
   *
   * @param key the Redis key
   * @param size the payload's length in bytes
   * @param sha256 the payload's SHA-256, lowercase hex
   */
  public record Reference(String key, long size, String sha256) {

    public Reference {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(sha256, "sha256");
      if (size < 0) {
        throw new IllegalArgumentException("size must not be negative, got " + size);
      }
      if (!SHA256_HEX.matcher(sha256).matches()) {
        throw new IllegalArgumentException("sha256 must be 64 lowercase hex digits, got '" + sha256 + "'");
      }
    }
  }

  private final MeshRedis redis;

  ClaimCheck(MeshRedis redis) {
    this.redis = redis;
  }

  /** Whether a payload of {@code size} bytes should travel by reference. */
  public boolean shouldOffload(int size) {
    return size >= redis.config().claimCheckThreshold();
  }

  /** Stores a payload for the run (with the run's TTL) and returns its reference. */
  public CompletionStage<Reference> put(String runId, byte[] payload) {
    Objects.requireNonNull(payload, "payload");
    String sha = sha256(payload);
    String key = redis.keys().blob(runId, sha);
    return redis.commands().set(key, payload, SetArgs.Builder.px(redis.config().ttl().toMillis()))
        .thenApply(ok -> new Reference(key, payload.length, sha));
  }

  /**
   * The payload a reference names. Fails with a {@link ClaimCheckException} naming the key when the
   * value is missing or is not the referenced bytes.
   */
  public CompletionStage<byte[]> get(Reference reference) {
    Objects.requireNonNull(reference, "reference");
    return redis.commands().get(reference.key())
        .thenApplyAsync(value -> verify(reference, value), redis.userExecutor());
  }

  private static byte[] verify(Reference reference, byte[] value) {
    if (value == null) {
      throw new ClaimCheckException(reference.key(), ClaimCheckException.Reason.MISSING,
          "expired, deleted or never stored");
    }
    if (value.length != reference.size()) {
      throw new ClaimCheckException(reference.key(), ClaimCheckException.Reason.SIZE_MISMATCH,
          "expected " + reference.size() + " bytes, found " + value.length);
    }
    String actual = sha256(value);
    if (!actual.equals(reference.sha256())) {
      throw new ClaimCheckException(reference.key(), ClaimCheckException.Reason.DIGEST_MISMATCH,
          "expected sha256 " + reference.sha256() + ", found " + actual);
    }
    return value;
  }

  static String sha256(byte[] payload) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(payload));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }
}
