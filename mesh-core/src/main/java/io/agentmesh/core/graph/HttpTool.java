package io.agentmesh.core.graph;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A tool reached over HTTP: called by an LLM node's model ({@code tools:} of the node) or by a
 * {@link ToolNode}.
 *
 * @param name name nodes refer to
 * @param description what the tool does, shown to the model
 * @param method HTTP method (GET, POST, PUT, PATCH, DELETE)
 * @param url URL of the endpoint
 * @param inputSchema JSON Schema of the arguments
 * @param outputSchema JSON Schema of the result, empty when not declared
 * @param timeout timeout of one call
 * @param allowedHosts hosts the tool may reach; the URL's host must be one of them
 */
public record HttpTool(
    String name,
    String description,
    String method,
    URI url,
    JsonNode inputSchema,
    Optional<JsonNode> outputSchema,
    Duration timeout,
    List<String> allowedHosts) {

  /** Call timeout used when a tool declares none. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  public HttpTool {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(inputSchema, "inputSchema");
    Objects.requireNonNull(outputSchema, "outputSchema");
    Objects.requireNonNull(timeout, "timeout");
    allowedHosts = List.copyOf(allowedHosts);
  }
}
