package io.agentmesh.agents.state;

import static io.agentmesh.agents.state.MeshRedis.bytes;
import static io.agentmesh.agents.state.MeshRedis.text;

import io.lettuce.core.ScriptOutputType;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** Tool-call effects keyed by (run, node, input id, tool call id); the first recorded is kept. */
public final class ToolEffects {

  private static final String RESULT = "result";
  private static final String FAILED = "failed";
  private static final String RECORDED_AT = "recordedAt";

  private final MeshRedis redis;

  ToolEffects(MeshRedis redis) {
    this.redis = redis;
  }

  /** The recorded effect of this tool call, if any. */
  public CompletionStage<Optional<ToolEffect>> find(String runId, String node, String inputId, String toolCallId) {
    String key = redis.keys().toolEffect(runId, node, inputId, toolCallId);
    return redis.commands().hgetall(key).thenApply(f -> {
      if (f == null || !f.containsKey(RECORDED_AT)) {
        return Optional.empty();
      }
      return Optional.of(decode(runId, node, inputId, toolCallId, f));
    });
  }

  /** Records an effect unless one exists for the same call; true when this one was written. */
  public CompletionStage<Boolean> save(ToolEffect effect) {
    Objects.requireNonNull(effect, "effect");
    String key = redis.keys().toolEffect(effect.runId(), effect.node(), effect.inputId(), effect.toolCallId());
    return redis.<Long>eval(LuaScript.HASH_WRITE, ScriptOutputType.INTEGER, key,
            redis.ttlArg(), bytes(RECORDED_AT),
            bytes(RESULT), effect.result(),
            bytes(FAILED), bytes(effect.failed() ? 1 : 0),
            bytes(RECORDED_AT), bytes(effect.recordedAt().toEpochMilli()))
        .thenApply(written -> written == 1L);
  }

  private static ToolEffect decode(String runId, String node, String inputId, String toolCallId, Map<String, byte[]> f) {
    return new ToolEffect(runId, node, inputId, toolCallId, f.get(RESULT), "1".equals(text(f.get(FAILED))),
        Instant.ofEpochMilli(Long.parseLong(text(f.get(RECORDED_AT)))));
  }
}
