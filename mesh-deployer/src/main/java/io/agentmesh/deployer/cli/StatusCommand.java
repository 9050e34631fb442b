package io.agentmesh.deployer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentmesh.core.state.MeshRedis;
import io.agentmesh.core.state.NodeVisit;
import io.agentmesh.core.state.RunRecord;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mesh status}: a run's record from Redis: status, nodes visited with timings, tokens, error. */
@Command(name = "status", description = "Prints a run's status, per-node trace, tokens and error as JSON.")
final class StatusCommand implements Callable<Integer> {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec
  private CommandSpec spec;

  @Mixin
  private EndpointOptions endpoints;

  @Parameters(index = "0", paramLabel = "RUN_ID")
  private String runId;

  @Override
  public Integer call() throws Exception {
    try (MeshRedis redis = MeshRedis.connect(endpoints.redis())) {
      Optional<RunRecord> record = redis.runRecords().get(runId).toCompletableFuture().get(10, TimeUnit.SECONDS);
      if (record.isEmpty()) {
        spec.commandLine().getErr().println("mesh status: no run " + runId + " in " + endpoints.redis()
            + " (unknown, or older than the state TTL)");
        return 2;
      }
      spec.commandLine().getOut().println(json(record.get()).toPrettyString());
      return 0;
    }
  }

  static ObjectNode json(RunRecord run) {
    ObjectNode out = JSON.createObjectNode();
    out.put("runId", run.runId());
    out.put("status", run.status().name());
    out.put("graph", run.graph());
    out.put("graphVersion", run.graphVersion());
    run.createdAt().ifPresent(t -> out.put("createdAt", t.toString()));
    run.finishedAt().ifPresent(t -> out.put("finishedAt", t.toString()));
    out.put("hops", run.hops());
    out.put("tokensIn", run.tokensIn());
    out.put("tokensOut", run.tokensOut());
    ObjectNode nodes = out.putObject("nodes");
    for (Map.Entry<String, NodeVisit> visit : run.nodes().entrySet()) {
      NodeVisit v = visit.getValue();
      ObjectNode node = nodes.putObject(visit.getKey());
      v.started().ifPresent(t -> node.put("started", t.toString()));
      v.finished().ifPresent(t -> node.put("finished", t.toString()));
      node.put("serviceMs", v.serviceMs());
      node.put("modelMs", v.modelMs());
      node.put("tokensIn", v.tokensIn());
      node.put("tokensOut", v.tokensOut());
      node.put("attempts", v.attempts());
    }
    run.error().ifPresent(e -> {
      ObjectNode error = out.putObject("error");
      error.put("code", e.code());
      error.put("message", e.message());
      e.node().ifPresent(n -> error.put("node", n));
    });
    out.put("cancelRequested", run.cancelRequested());
    if (!run.metadata().isEmpty()) {
      ObjectNode metadata = out.putObject("metadata");
      run.metadata().forEach(metadata::put);
    }
    return out;
  }
}
