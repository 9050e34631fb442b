package io.agentmesh.agents.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.agentmesh.agents.model.ToolDefinition;
import io.agentmesh.core.graph.HttpTool;
import io.agentmesh.core.wire.JsonMappers;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One declared HTTP tool: checks the arguments against the tool's JSON Schema, calls only hosts on
 * its allow-list, with its timeout; 5xx and I/O errors are retried with backoff, 4xx are final.
 */
final class HttpToolClient implements AgentTool {

  private static final ObjectMapper JSON = JsonMappers.create();

  private final HttpTool tool;
  private final HttpClient http;
  private final Retry retry;
  private final JsonSchema schema;
  private final JsonSchema outputSchema;

  HttpToolClient(HttpTool tool, HttpClient http) {
    this.tool = tool;
    this.http = http;
    if (!tool.allowedHosts().isEmpty() && !tool.allowedHosts().contains(tool.url().getHost())) {
      throw new IllegalArgumentException("tool '" + tool.name() + "': host " + tool.url().getHost()
          + " is not in its allowedHosts " + tool.allowedHosts());
    }
    this.retry = Retry.of("tool-" + tool.name(), RetryConfig.custom()
        .maxAttempts(3)
        .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(200, 2.0, 0.5))
        .retryExceptions(IOException.class, ToolServerError.class)
        .build());
    JsonSchemaFactory schemas = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    this.schema = schemas.getSchema(tool.inputSchema());
    this.outputSchema = tool.outputSchema().map(schemas::getSchema).orElse(null);
  }

  HttpTool tool() {
    return tool;
  }

  @Override
  public ToolDefinition definition() {
    return new ToolDefinition(tool.name(), tool.description(), tool.inputSchema());
  }

  @Override
  public String call(String argumentsJson) throws Exception {
    HttpResponse<byte[]> response = send(JSON.writeValueAsBytes(arguments(argumentsJson)));
    String body = new String(response.body(), StandardCharsets.UTF_8);
    if (response.statusCode() >= 400) {
      throw new ToolCallException("tool '" + tool.name() + "' answered " + response.statusCode() + ": " + body);
    }
    return body;
  }

  /** The arguments parsed; throws naming the tool when they are not JSON or do not match its inputSchema. */
  JsonNode arguments(String argumentsJson) throws ToolCallException {
    JsonNode arguments;
    try {
      arguments = JSON.readTree(argumentsJson);
    } catch (IOException e) {
      throw new ToolCallException("arguments of tool '" + tool.name() + "' are not JSON: " + e.getMessage());
    }
    if (arguments == null || arguments.isMissingNode()) {
      throw new ToolCallException("arguments of tool '" + tool.name() + "' are empty");
    }
    Set<ValidationMessage> errors = schema.validate(arguments);
    if (!errors.isEmpty()) {
      throw new ToolCallException("arguments of tool '" + tool.name() + "' do not match its inputSchema: " + messages(errors));
    }
    return arguments;
  }

  /** Throws naming the tool when it declares an outputSchema and {@code body} is not JSON matching it. */
  void checkResult(byte[] body) throws ToolCallException {
    if (outputSchema == null) {
      return;
    }
    JsonNode result;
    try {
      result = JSON.readTree(body);
    } catch (IOException e) {
      throw new ToolCallException("tool '" + tool.name() + "' answered something that is not JSON: " + e.getMessage());
    }
    Set<ValidationMessage> errors = outputSchema.validate(result == null ? JSON.missingNode() : result);
    if (!errors.isEmpty()) {
      throw new ToolCallException("tool '" + tool.name() + "' answered JSON that does not match its outputSchema: " + messages(errors));
    }
  }

  private static String messages(Set<ValidationMessage> errors) {
    return errors.stream().map(ValidationMessage::getMessage).sorted().collect(Collectors.joining("; "));
  }

  /** Sends a body to the tool's endpoint; answers below 500 are returned, 5xx and I/O errors retried. */
  HttpResponse<byte[]> send(byte[] body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(tool.url())
        .timeout(tool.timeout())
        .header("Content-Type", "application/json")
        .method(tool.method().toUpperCase(Locale.ROOT), HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    return retry.executeCallable(() -> {
      HttpResponse<byte[]> answer = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      if (answer.statusCode() >= 500) {
        throw new ToolServerError("tool '" + tool.name() + "' answered " + answer.statusCode());
      }
      return answer;
    });
  }

  /** A 5xx answer: worth another attempt. */
  static final class ToolServerError extends Exception {
    ToolServerError(String message) {
      super(message);
    }
  }
}
