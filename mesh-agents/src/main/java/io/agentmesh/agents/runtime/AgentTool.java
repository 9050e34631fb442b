package io.agentmesh.agents.runtime;

import io.agentmesh.agents.model.ToolDefinition;

/** A tool a model may call from an {@code llm} node: an HTTP endpoint or an MCP server's tool. */
interface AgentTool {

  /** What the model is told about the tool: name, description, JSON Schema of the arguments. */
  ToolDefinition definition();

  /**
   * Calls the tool with the model's arguments (JSON text) and returns what to feed back to the
   * model. Throws {@link ToolCallException} for an answer the model should see as a failure
   * (invalid arguments, 4xx, an MCP error result); anything else is a fault of the tool.
   */
  String call(String argumentsJson) throws Exception;

  /** A tool call that failed in a way the model can be told about and may correct. */
  final class ToolCallException extends Exception {
    ToolCallException(String message) {
      super(message);
    }
  }
}
