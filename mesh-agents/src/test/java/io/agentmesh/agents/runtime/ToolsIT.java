package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.agentmesh.core.graph.Edge;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import io.agentmesh.infra.model.ModelBehaviour;
import io.agentmesh.infra.model.Rule;
import io.agentmesh.schemas.avro.RunResult;
import io.agentmesh.schemas.avro.RunStatus;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * LLM nodes with tools on the real broker, Redis and simulator: HTTP tools on a real server on
 * 127.0.0.1, MCP tools on a real server over stdio (a child JVM) and over HTTP. Undeclared tools
 * are refused and counted, and a redelivered input replays recorded tool effects.
 */
@MeshInfraTest
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ToolsIT {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private final SharedInfra infra;

  ToolsIT(SharedInfra infra) {
    this.infra = infra;
  }

  private String weatherGraph(String name, String model, ToolServer tools) {
    return """
        name: %s
        models:
          m: {baseUrl: %s, model: %s, timeout: 10s}
        tools:
          get_weather:
            description: Current weather of a city
            url: %s
            allowedHosts: [127.0.0.1]
            timeout: 5s
            inputSchema: {type: object, required: [city], properties: {city: {type: string}}}
          delete_account:
            description: Deletes a customer account
            url: %s
            inputSchema: {type: object}
        nodes:
          agent: {type: llm, model: m, tools: [get_weather], maxToolRounds: 3}
        edges:
          - {from: START, to: agent}
          - {from: agent, to: END}
        """.formatted(name, infra.simulator().baseUrl(), model, tools.url("/weather"), tools.url("/delete"));
  }

  private String weatherModel() {
    String model = infra.uniqueName("weather-model");
    infra.simulator().putModel(ModelBehaviour.builder(model)
        .rule(Rule.matching("\"temp\":\\s*(\\d+)").withIn(Rule.Scope.LAST_MESSAGE).withLastRole(Rule.Role.TOOL)
            .replying("It is $1 degrees."))
        .rule(Rule.matching("not available").withIn(Rule.Scope.LAST_MESSAGE).withLastRole(Rule.Role.TOOL)
            .replying("I may not delete accounts."))
        .rule(Rule.matching("(?i)weather in (\\w+)").callingTool("get_weather", "{\"city\": \"$1\"}"))
        .rule(Rule.matching("(?i)delete account (\\w+)").callingTool("delete_account", "{\"account\": \"$1\"}"))
        .defaultReply("no rule")
        .build());
    return model;
  }

  @Test
  void modelCallsADeclaredHttpToolAndAnswersWithItsResult() throws Exception {
    try (ToolServer tools = ToolServer.start(Map.of("/weather", body -> "{\"temp\": 21}", "/delete", body -> "{}"));
         MeshHarness mesh = MeshHarness.of(infra, weatherGraph(infra.uniqueName("tools"), weatherModel(), tools))) {
      mesh.startAll();
      String runId = "weather-" + UUID.randomUUID();
      mesh.submit(runId, "{\"q\": \"What is the weather in Paris?\"}");

      RunResult result = mesh.result(runId, WAIT);

      assertThat(result.getStatus()).as(String.valueOf(result.getError())).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(ExamplesIT.text(result)).isEqualTo("It is 21 degrees.");
      assertThat(tools.calls("/weather")).isEqualTo(1);
      assertThat(tools.lastBody("/weather")).isEqualTo("{\"city\":\"Paris\"}");
    }
  }

  /**
   * A tool node posts its input to the tool and passes the answer on; an input that breaks the
   * tool's inputSchema never reaches it, and an answer that breaks its outputSchema fails the run.
   */
  @Test
  void toolNodeCallsItsToolWithTheInputAndChecksBothAgainstTheDeclaredSchemas() throws Exception {
    try (ToolServer tools = ToolServer.start(Map.of(
            "/lookup", body -> body.contains("\"bad-answer\"") ? "{\"price\": \"unknown\"}" : "{\"price\": 42}"));
         MeshHarness mesh = MeshHarness.of(infra, """
             name: %s
             tools:
               lookup:
                 url: %s
                 allowedHosts: [127.0.0.1]
                 timeout: 5s
                 inputSchema: {type: object, required: [sku], properties: {sku: {type: string}}}
                 outputSchema: {type: object, required: [price], properties: {price: {type: number}}}
             nodes:
               price: {type: tool, tool: lookup}
             edges:
               - {from: START, to: price}
               - {from: price, to: END}
             """.formatted(infra.uniqueName("tool-node"), tools.url("/lookup")))) {
      mesh.startAll();
      String good = "sku-" + UUID.randomUUID();
      String badInput = "sku-" + UUID.randomUUID();
      String badAnswer = "sku-" + UUID.randomUUID();
      mesh.submit(good, "{\"sku\": \"A-1\"}");
      mesh.submit(badInput, "{\"sku\": 7}");
      mesh.submit(badAnswer, "{\"sku\": \"bad-answer\"}");

      RunResult answered = mesh.result(good, WAIT);
      assertThat(answered.getStatus()).as(String.valueOf(answered.getError())).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(ExamplesIT.text(answered)).isEqualTo("{\"price\": 42}");
      GuardsIT.assertFailed(mesh.result(badInput, WAIT), io.agentmesh.schemas.avro.ErrorCode.TOOL_ERROR,
          "arguments of tool 'lookup' do not match its inputSchema");
      GuardsIT.assertFailed(mesh.result(badAnswer, WAIT), io.agentmesh.schemas.avro.ErrorCode.TOOL_ERROR,
          "tool 'lookup' answered JSON that does not match its outputSchema");
      assertThat(tools.calls("/lookup")).as("the bad input is never sent").isEqualTo(2);
    }
  }

  @Test
  void undeclaredToolIsRefusedCountedAndNeverCalled() throws Exception {
    try (ToolServer tools = ToolServer.start(Map.of("/weather", body -> "{\"temp\": 21}", "/delete", body -> "{}"));
         MeshHarness mesh = MeshHarness.of(infra, weatherGraph(infra.uniqueName("tools"), weatherModel(), tools))) {
      MeshRuntime runtime = mesh.startAll();
      String runId = "refuse-" + UUID.randomUUID();
      mesh.submit(runId, "{\"q\": \"Please delete account alice\"}");

      RunResult result = mesh.result(runId, WAIT);

      assertThat(result.getStatus()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(ExamplesIT.text(result)).isEqualTo("I may not delete accounts.");
      assertThat(tools.calls("/delete")).as("the undeclared tool is never executed").isZero();
      assertThat(mesh.meters(runtime).find("mesh.tool.calls.refused").tag("node", "agent").counter().count()).isEqualTo(1.0);
    }
  }

  @Test
  void toolEffectIsNotRepeatedOnRedelivery() throws Exception {
    String model = weatherModel();
    try (ToolServer tools = ToolServer.start(Map.of("/weather", body -> "{\"temp\": 18}", "/delete", body -> "{}"));
         MeshHarness mesh = MeshHarness.of(infra, weatherGraph(infra.uniqueName("tools"), model, tools));
         RedisClient redis = RedisClient.create(infra.redisUri());
         StatefulRedisConnection<String, String> connection = redis.connect()) {
      MeshRuntime runtime = mesh.startAll();
      String runId = "redeliver-" + UUID.randomUUID();
      mesh.submit(runId, "{\"q\": \"weather in Oslo\"}");
      assertThat(ExamplesIT.text(mesh.result(runId, WAIT))).isEqualTo("It is 18 degrees.");
      long modelCalls = infra.simulator().stats().model(model).requests();

      // a crash after the tool ran but before the node's output was checkpointed: the node's
      // checkpoint is gone, the same input comes again
      String inputId = runId + ":" + Edge.START;
      assertThat(connection.sync().del(mesh.redis().keys().checkpoint(runId, "agent", inputId))).isEqualTo(1);
      mesh.redeliverFromStart(runtime, "agent");

      List<RunResult> results = mesh.resultsOf(runId, 2, WAIT);
      assertThat(results).hasSize(2);
      assertThat(ExamplesIT.text(results.get(1))).isEqualTo("It is 18 degrees.");
      assertThat(infra.simulator().stats().model(model).requests()).as("the model is asked again").isEqualTo(modelCalls + 2);
      assertThat(tools.calls("/weather")).as("the tool's effect is replayed, not repeated").isEqualTo(1);
    }
  }

  @Test
  void mcpToolsOverStdioAndHttp(@TempDir Path dir) throws Exception {
    Path calls = dir.resolve("stdio-calls.txt");
    String model = infra.uniqueName("mcp-model");
    infra.simulator().putModel(ModelBehaviour.builder(model)
        .rule(Rule.matching("\"status\":\\s*\"(\\w+)\"").withIn(Rule.Scope.LAST_MESSAGE).withLastRole(Rule.Role.TOOL)
            .replying("Order is $1."))
        .rule(Rule.matching("\"amount\":\\s*([\\d.]+)").withIn(Rule.Scope.LAST_MESSAGE).withLastRole(Rule.Role.TOOL)
            .replying("That is $1."))
        .rule(Rule.matching("(?i)order (\\w+)").callingTool("lookup_order", "{\"order\": \"$1\"}"))
        .rule(Rule.matching("(?i)convert (\\d+) to (\\w+)").callingTool("convert_currency", "{\"amount\": \"$1\", \"to\": \"$2\"}"))
        .build());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    try (McpHttpTestServer http = new McpHttpTestServer();
         MeshHarness mesh = MeshHarness.of(infra, """
             name: %s
             models:
               m: {baseUrl: %s, model: %s, timeout: 10s}
             mcpServers:
               orders:
                 transport: stdio
                 command: ['%s', '-cp', '%s', '%s', '%s']
                 tools: [lookup_order]
                 timeout: 20s
               fx:
                 transport: http
                 url: %s
                 allowedHosts: [127.0.0.1]
                 tools: [convert_currency]
             nodes:
               agent: {type: llm, model: m, tools: [lookup_order, convert_currency]}
             edges:
               - {from: START, to: agent}
               - {from: agent, to: END}
             """.formatted(infra.uniqueName("mcp"), infra.simulator().baseUrl(), model, java,
             System.getProperty("java.class.path"), McpStdioTestServer.class.getName(), calls, http.url()))) {
      mesh.startAll();
      String stdioRun = "mcp-stdio-" + UUID.randomUUID();
      String httpRun = "mcp-http-" + UUID.randomUUID();
      mesh.submit(stdioRun, "{\"q\": \"Where is order A17?\"}");
      mesh.submit(httpRun, "{\"q\": \"Please convert 100 to EUR\"}");

      Map<String, List<RunResult>> results = mesh.results(List.of(stdioRun, httpRun), WAIT);

      assertThat(ExamplesIT.text(results.get(stdioRun).getFirst())).isEqualTo("Order is shipped.");
      assertThat(ExamplesIT.text(results.get(httpRun).getFirst())).isEqualTo("That is 90.0.");
      assertThat(Files.readAllLines(calls)).containsExactly("A17");
      assertThat(http.toolCalls.get()).isEqualTo(1);
    }
  }
}
