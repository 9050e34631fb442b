package io.agentmesh.load;

import java.nio.charset.StandardCharsets;

/** The graphs and tasks the benchmarks run. */
final class Graphs {

  private Graphs() {}

  /** A 3-node pipeline START -> a -> b -> c -> END of llm nodes on one simulator model. */
  static String pipeline(String name, String baseUrl, String modelId) {
    return """
        name: %s
        models:
          default:
            baseUrl: %s
            model: %s
            timeout: 30s
        nodes:
          a: {type: llm, model: default}
          b: {type: llm, model: default}
          c: {type: llm, model: default}
        edges:
          - {from: START, to: a}
          - {from: a, to: b}
          - {from: b, to: c}
          - {from: c, to: END}
        """.formatted(name, baseUrl, modelId);
  }

  /** One llm node: START -> solo -> END. */
  static String single(String name, String baseUrl, String modelId) {
    return """
        name: %s
        models:
          default:
            baseUrl: %s
            model: %s
            timeout: 30s
        nodes:
          solo: {type: llm, model: default}
        edges:
          - {from: START, to: solo}
          - {from: solo, to: END}
        """.formatted(name, baseUrl, modelId);
  }

  /** A deployment spec: this delivery guarantee, one replica per node, this in-flight limit for each. */
  static String spec(String delivery, int maxInFlight, String... nodes) {
    StringBuilder yaml = new StringBuilder("delivery: " + delivery + "\nnodes:\n");
    for (String node : nodes) {
      yaml.append("  ").append(node).append(": {replicas: 1, maxInFlight: ").append(maxInFlight).append("}\n");
    }
    return yaml.toString();
  }

  /** A plain-JSON task of about {@code bytes} bytes: {@code {"q":"xxxx..."}}. */
  static byte[] task(int bytes) {
    return ("{\"q\":\"" + "x".repeat(Math.max(1, bytes - 8)) + "\"}").getBytes(StandardCharsets.UTF_8);
  }
}
