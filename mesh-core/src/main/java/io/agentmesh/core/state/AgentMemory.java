package io.agentmesh.core.state;

import static io.agentmesh.core.state.MeshRedis.bytes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.lettuce.core.ScriptOutputType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Conversation memory per (run, agent): a Redis list of JSON messages, oldest first.
 *
 * <p>Appends go to the tail (RPUSH); trimming takes from the head, so the two never collide.
 * Trimming reads the list, decides in Java how many of the oldest messages go (and asks the
 * summariser, on a virtual thread, for a message to put in their place), then applies it with a
 * Lua script that first checks the head is still the one it read: a concurrent trim changes the
 * head and makes this one start over instead of dropping twice. Every stored message carries a
 * random id, so two equal messages never look like the same head. {@link #appendOnce} keeps the
 * ids of applied appends in a set beside the list, so a turn produced twice for one input is kept once.
 */
public final class AgentMemory {

  private static final int MAX_TRIM_ROUNDS = 8;
  private static final String ID = "id";
  private static final String ROLE = "role";
  private static final String CONTENT = "content";
  private static final TypeReference<Map<String, String>> ENTRY = new TypeReference<>() {};

  private final MeshRedis redis;

  AgentMemory(MeshRedis redis) {
    this.redis = redis;
  }

  /** Appends messages at the end; returns the number of messages held afterwards. */
  public CompletionStage<Long> append(String runId, String agent, List<Message> messages) {
    Objects.requireNonNull(messages, "messages");
    if (messages.isEmpty()) {
      return redis.commands().llen(redis.keys().memory(runId, agent));
    }
    List<byte[]> args = new ArrayList<>(messages.size() + 1);
    args.add(redis.ttlArg());
    for (Message message : messages) {
      args.add(encode(message));
    }
    return redis.eval(LuaScript.LIST_APPEND, ScriptOutputType.INTEGER, redis.keys().memory(runId, agent),
        args.toArray(byte[][]::new));
  }

  /**
   * Appends messages once per {@code appendId} (e.g. node and input id): an append whose id was
   * applied before to this memory is skipped, so a turn produced again after a crash is kept once.
   * The ids live in a set beside the list, with the same TTL. Completes with true when appended.
   */
  public CompletionStage<Boolean> appendOnce(String runId, String agent, String appendId, List<Message> messages) {
    Objects.requireNonNull(messages, "messages");
    if (Objects.requireNonNull(appendId, "appendId").isEmpty()) {
      throw new IllegalArgumentException("appendId must not be empty");
    }
    List<byte[]> args = new ArrayList<>(messages.size() + 2);
    args.add(redis.ttlArg());
    args.add(bytes(appendId));
    for (Message message : messages) {
      args.add(encode(message));
    }
    String[] keys = {redis.keys().memory(runId, agent), redis.keys().memoryAppends(runId, agent)};
    return redis.<List<Object>>eval(LuaScript.LIST_APPEND_ONCE, ScriptOutputType.MULTI, keys, args.toArray(byte[][]::new))
        .thenApply(reply -> (Long) reply.get(0) == 1L);
  }

  /** {@link #appendOnce}, then trims to the bound (also when the append was skipped); returns the messages held. */
  public CompletionStage<List<Message>> appendOnceAndTrim(String runId, String agent, String appendId,
      List<Message> messages, MemoryBound bound) {
    return appendOnce(runId, agent, appendId, messages).thenCompose(appended -> trim(runId, agent, bound));
  }

  /** Appends messages, then trims to the bound; returns the messages held afterwards. */
  public CompletionStage<List<Message>> appendAndTrim(String runId, String agent, List<Message> messages, MemoryBound bound) {
    return append(runId, agent, messages).thenCompose(length -> trim(runId, agent, bound));
  }

  /** The last {@code n} messages, oldest first. */
  public CompletionStage<List<Message>> last(String runId, String agent, int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be at least 1, got " + n);
    }
    return redis.commands().lrange(redis.keys().memory(runId, agent), -n, -1)
        .thenApply(raw -> raw.stream().map(this::decode).toList());
  }

  /** Every message held, oldest first. */
  public CompletionStage<List<Message>> all(String runId, String agent) {
    return redis.commands().lrange(redis.keys().memory(runId, agent), 0, -1)
        .thenApply(raw -> raw.stream().map(this::decode).toList());
  }

  /**
   * Drops (or summarises) the oldest messages until the memory fits the bound; returns the
   * messages held afterwards. The summariser runs on a virtual thread; if it throws, the stage
   * fails and the memory is left as it was.
   */
  public CompletionStage<List<Message>> trim(String runId, String agent, MemoryBound bound) {
    Objects.requireNonNull(bound, "bound");
    return trimRound(redis.keys().memory(runId, agent), bound, 0);
  }

  private CompletionStage<List<Message>> trimRound(String key, MemoryBound bound, int round) {
    return redis.commands().lrange(key, 0, -1).thenComposeAsync(raw -> {
      List<Message> messages = raw.stream().map(this::decode).toList();
      if (bound.holds(messages)) {
        return CompletableFuture.completedFuture(messages);
      }
      if (round >= MAX_TRIM_ROUNDS) {
        return CompletableFuture.failedFuture(new StateException(
            "memory " + key + " kept changing under " + round + " trims; it is still over " + bound));
      }
      Plan plan = plan(messages, bound);
      List<byte[]> args = new ArrayList<>(4);
      args.add(redis.ttlArg());
      args.add(raw.get(0));
      args.add(bytes(plan.drop()));
      if (plan.summary() != null) {
        args.add(encode(plan.summary()));
      }
      return redis.<Long>eval(LuaScript.LIST_TRIM_HEAD, ScriptOutputType.INTEGER, key, args.toArray(byte[][]::new))
          .thenCompose(trimmed -> trimRound(key, bound, round + 1));
    }, redis.userExecutor());
  }

  /** How many of the oldest messages to drop, and what to put in their place. */
  private record Plan(int drop, Message summary) {}

  private static Plan plan(List<Message> messages, MemoryBound bound) {
    int size = messages.size();
    long[] tokensFrom = new long[size + 1];
    for (int i = size - 1; i >= 0; i--) {
      tokensFrom[i] = tokensFrom[i + 1] + messages.get(i).approxTokens();
    }
    boolean summarise = bound.summariser().isPresent();
    int reserve = summarise ? 1 : 0;
    int drop = 0;
    while (drop < size && (size - drop + reserve > bound.maxMessages() || tokensFrom[drop] > bound.maxTokens())) {
      drop++;
    }
    if (!summarise) {
      return new Plan(drop, null);
    }
    drop = Math.max(drop, 1);
    while (true) {
      Message summary = Objects.requireNonNull(
          bound.summariser().get().apply(List.copyOf(messages.subList(0, drop))), "summariser returned null");
      if (tokensFrom[drop] + summary.approxTokens() <= bound.maxTokens()) {
        return new Plan(drop, summary);
      }
      if (drop == size) {
        long room = (long) bound.maxTokens() * 4;
        String content = summary.content().length() > room ? summary.content().substring(0, (int) room) : summary.content();
        return new Plan(drop, new Message(summary.role(), content));
      }
      drop++;
    }
  }

  private byte[] encode(Message message) {
    Map<String, String> entry = new LinkedHashMap<>();
    entry.put(ID, UUID.randomUUID().toString());
    entry.put(ROLE, message.role());
    entry.put(CONTENT, message.content());
    try {
      return redis.json().writeValueAsBytes(entry);
    } catch (JsonProcessingException e) {
      throw new StateException("cannot encode a memory message", e);
    }
  }

  private Message decode(byte[] raw) {
    try {
      Map<String, String> entry = redis.json().readValue(raw, ENTRY);
      return new Message(entry.get(ROLE), entry.get(CONTENT));
    } catch (IOException | RuntimeException e) {
      throw new StateException("a memory entry is not a message: " + MeshRedis.text(raw), e);
    }
  }
}
