package io.agentmesh.core.state;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * Every Redis key name of the mesh, made here and nowhere else.
 *
 * <p>A key reads {@code <prefix>:{<runId>}:<kind>[:<segment>...]}. The run id in braces is the
 * hash tag: Redis Cluster hashes only that part, so all keys of a run live in one slot and a Lua
 * script may touch any of them atomically. Segments (node, input id, agent, tool call id) are
 * percent-encoded for {@code % : { }} and control characters, so a segment can never forge
 * another segment or a second hash tag. A run id may not contain braces or be blank.
 */
public final class RedisKeys {

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private final String prefix;

  /** Keys under the given prefix. */
  public RedisKeys(String prefix) {
    this.prefix = Objects.requireNonNull(prefix, "prefix");
  }

  /** Keys under the prefix of the given configuration. */
  public static RedisKeys of(StateConfig config) {
    return new RedisKeys(config.keyPrefix());
  }

  /** The run record hash. */
  public String run(String runId) {
    return base(runId, "run");
  }

  /** The shared, versioned state of a run. */
  public String state(String runId) {
    return base(runId, "state");
  }

  /** The checkpoint of one node for one input. */
  public String checkpoint(String runId, String node, String inputId) {
    return base(runId, "ckpt") + ':' + segment("node", node) + ':' + segment("inputId", inputId);
  }

  /** The claim a worker takes on one input of one node. */
  public String claim(String runId, String node, String inputId) {
    return base(runId, "claim") + ':' + segment("node", node) + ':' + segment("inputId", inputId);
  }

  /** The recorded effect of one tool call. */
  public String toolEffect(String runId, String node, String inputId, String toolCallId) {
    return base(runId, "tool") + ':' + segment("node", node) + ':' + segment("inputId", inputId)
        + ':' + segment("toolCallId", toolCallId);
  }

  /** The conversation memory of one agent in one run. */
  public String memory(String runId, String agent) {
    return base(runId, "mem") + ':' + segment("agent", agent);
  }

  /** The ids of the appends applied to one agent's memory in one run, so a redelivered turn is kept once. */
  public String memoryAppends(String runId, String agent) {
    return base(runId, "memids") + ':' + segment("agent", agent);
  }

  /** The crossings of one bounded edge in one run (input id -> ordinal), for {@code maxIterations}. */
  public String edgeCrossings(String runId, String edgeId) {
    return base(runId, "iter") + ':' + segment("edge", edgeId);
  }

  /** A claim-checked payload, addressed by its SHA-256 (hex). */
  public String blob(String runId, String sha256Hex) {
    return base(runId, "blob") + ':' + segment("sha256", sha256Hex);
  }

  /** A run's final result as JSON, kept for readers that arrive after it was published. */
  public String result(String runId) {
    return base(runId, "result");
  }

  /**
   * An idempotency key: the run id a request with this key started. {@code digest} is a hash of
   * the key and its scope (caller, graph), so it carries its own hash tag, not a run's.
   */
  public String idempotency(String digest) {
    return prefix + ":{idem:" + segment("digest", digest) + "}:idem";
  }

  /**
   * A caller's rate-limit bucket, shared by every gateway on this Redis. {@code caller} names an
   * API key or a token subject, so it carries its own hash tag, not a run's.
   */
  public String rateBucket(String caller) {
    return prefix + ":{rate:" + segment("caller", caller) + "}:rate";
  }

  /** The glob matching every key of a run (for inspection and tests; never for hot paths). */
  public String runPattern(String runId) {
    return base(runId, "*");
  }

  /** The hash tag of a run: {@code {runId}}. */
  public static String hashTag(String runId) {
    return '{' + checkRunId(runId) + '}';
  }

  /** Returns the run id when it may be used in a key. */
  public static String checkRunId(String runId) {
    Objects.requireNonNull(runId, "runId");
    Optional<String> problem = runIdProblem(runId);
    if (problem.isPresent()) {
      throw new IllegalArgumentException(problem.get());
    }
    return runId;
  }

  /** Why {@code runId} cannot name a run's keys (it is their hash tag), or empty when it can. */
  public static Optional<String> runIdProblem(String runId) {
    if (runId == null || runId.isBlank()) {
      return Optional.of("runId must not be blank");
    }
    if (runId.indexOf('{') >= 0 || runId.indexOf('}') >= 0) {
      return Optional.of("runId must not contain '{' or '}', got '" + runId + "'");
    }
    return Optional.empty();
  }

  private String base(String runId, String kind) {
    return prefix + ':' + hashTag(runId) + ':' + kind;
  }

  private static String segment(String name, String value) {
    Objects.requireNonNull(value, name);
    if (value.isEmpty()) {
      throw new IllegalArgumentException(name + " must not be empty");
    }
    StringBuilder out = new StringBuilder(value.length());
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c == '%' || c == ':' || c == '{' || c == '}' || c < 0x20 || c >= 0x7f) {
        out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      } else {
        out.append((char) c);
      }
    }
    return out.toString();
  }
}
