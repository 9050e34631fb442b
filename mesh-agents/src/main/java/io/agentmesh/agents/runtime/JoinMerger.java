package io.agentmesh.agents.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentmesh.core.graph.CelReducer;
import io.agentmesh.core.graph.JoinNode;
import io.agentmesh.core.graph.JoinReducer;
import io.agentmesh.core.wire.JsonMappers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Merges the branch outputs of one join per its {@code merge} policy: a JSON list in branch order,
 * an object keyed by branch id, a reducer (a user {@link JoinReducer} or a {@link CelReducer}), or a
 * vote. Deterministic: the same branches always merge to the same bytes (a join re-run after a crash
 * must agree with itself). A CEL reducer that reads {@code state} sees the run state as it is when
 * the join decides; the join's checkpoint keeps a re-run from merging again.
 */
final class JoinMerger {

  static final String JSON_TYPE = "application/json";
  private static final ObjectMapper JSON = JsonMappers.create();

  /** One branch's output, in the join's terms. */
  record Arrived(String id, int index, byte[] payload, String contentType) {

    /** The output as JSON: parsed when it is JSON, else a JSON string of the text. */
    JsonNode json() {
      if (contentType.startsWith("application/json")) {
        try {
          return JSON.readTree(payload);
        } catch (IOException e) {
          // not JSON after all: fall through to text
        }
      }
      return JSON.getNodeFactory().textNode(new String(payload, StandardCharsets.UTF_8));
    }
  }

  /** Merged output: the bytes and their content type. */
  record Merged(byte[] payload, String contentType) {}

  private final JoinNode join;
  private final Optional<JoinReducer> reducer;
  private final Optional<CelReducer> cel;

  /** A merger for {@code join}; {@code cel} is its compiled CEL reducer ({@code Graph.celReducer}) when it has one. */
  JoinMerger(JoinNode join, Optional<CelReducer> cel) {
    this.join = join;
    this.reducer = join.reducer()
        .flatMap(r -> r instanceof JoinNode.Reducer.JavaClass java ? Optional.of(java.className()) : Optional.empty())
        .map(JoinMerger::instantiate);
    this.cel = cel;
    if (join.reducer().orElse(null) instanceof JoinNode.Reducer.Cel && cel.isEmpty()) {
      throw new IllegalArgumentException("join '" + join.name() + "' has a CEL reducer but none was compiled");
    }
  }

  /**
   * Merges {@code branches} (sorted by index by the caller); {@code state} gives the run state,
   * asked only by a CEL reducer that reads it.
   */
  Merged merge(List<Arrived> branches, Supplier<Map<String, Object>> state) throws Exception {
    return switch (join.merge()) {
      case LIST -> {
        ArrayNode list = JSON.createArrayNode();
        branches.forEach(b -> list.add(b.json()));
        yield json(list);
      }
      case OBJECT -> {
        ObjectNode object = JSON.createObjectNode();
        branches.forEach(b -> object.set(b.id(), b.json()));
        yield json(object);
      }
      case REDUCER -> {
        List<JoinReducer.Branch> in = branches.stream()
            .map(b -> new JoinReducer.Branch(b.id(), b.index(), JSON.convertValue(b.json(), Object.class))).toList();
        Object result = cel.isPresent()
            ? cel.get().reduce(in, cel.get().readsState() ? state.get() : Map.of())
            : reducer.orElseThrow().reduce(in);
        yield result instanceof String text ? new Merged(text.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8")
            : new Merged(JSON.writeValueAsBytes(result), JSON_TYPE);
      }
      case VOTE -> json(vote(join.vote().orElseThrow(), branches));
    };
  }

  /**
   * Counts ballots: a branch whose output lacks the field abstains; a missing or non-numeric weight
   * counts 0 (confidence-weighted) — one vote each without a weight field. Highest total wins; a tie
   * goes to the tie-breaker branch's ballot when it is among the tied values, else to the tied value
   * of the lowest branch index.
   */
  static ObjectNode vote(JoinNode.Vote vote, List<Arrived> branches) {
    Map<String, Double> totals = new LinkedHashMap<>();
    Map<String, JsonNode> values = new LinkedHashMap<>();
    Map<String, String> ballotOf = new LinkedHashMap<>(); // branch id -> ballot key
    List<String> firstCaster = new ArrayList<>();          // ballot keys in order of the lowest branch casting them
    ArrayNode ballots = JSON.createArrayNode();
    for (Arrived branch : branches) {
      JsonNode output = branch.json();
      JsonNode value = output.get(vote.field());
      if (value == null || value.isNull()) {
        continue;
      }
      double weight = vote.weight().map(w -> output.path(w).isNumber() ? output.path(w).asDouble() : 0.0).orElse(1.0);
      String key = value.isTextual() ? value.asText() : value.toString();
      totals.merge(key, weight, Double::sum);
      values.putIfAbsent(key, value);
      ballotOf.put(branch.id(), key);
      if (!firstCaster.contains(key)) {
        firstCaster.add(key);
      }
      ObjectNode ballot = ballots.addObject();
      ballot.put("branch", branch.id());
      ballot.set(vote.field(), value);
      ballot.put("weight", weight);
    }
    ObjectNode out = JSON.createObjectNode();
    double best = totals.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    List<String> tied = firstCaster.stream().filter(k -> totals.get(k) == best).toList();
    String winner = null;
    if (!tied.isEmpty()) {
      winner = vote.tieBreaker().map(ballotOf::get).filter(tied::contains).orElse(tied.getFirst());
    }
    out.set(vote.field(), winner == null ? JSON.getNodeFactory().nullNode() : values.get(winner));
    out.put("tie", tied.size() > 1);
    ObjectNode totalsNode = out.putObject("totals");
    totals.forEach(totalsNode::put);
    out.set("ballots", ballots);
    out.put("abstained", branches.size() - ballots.size());
    return out;
  }

  private static Merged json(JsonNode node) throws IOException {
    return new Merged(JSON.writeValueAsBytes(node), JSON_TYPE);
  }

  private static JoinReducer instantiate(String className) {
    try {
      Class<?> type = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
      if (!JoinReducer.class.isAssignableFrom(type)) {
        throw new IllegalArgumentException("reducer " + className + " does not implement " + JoinReducer.class.getName());
      }
      return (JoinReducer) type.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException("cannot instantiate reducer " + className
          + " (public class with a public no-argument constructor on the classpath?): " + e, e);
    }
  }
}
