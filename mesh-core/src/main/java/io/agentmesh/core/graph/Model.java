package io.agentmesh.core.graph;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * An OpenAI-compatible chat-completions endpoint and how to call it.
 *
 * @param name name nodes refer to
 * @param baseUrl base URL of the API, e.g. {@code http://localhost:8000/v1}
 * @param modelId the model id sent in requests
 * @param temperature sampling temperature, empty for the server's default
 * @param maxTokens completion token limit, empty for the server's default
 * @param timeout timeout of one call
 * @param retries retries after the first attempt for transient faults
 * @param fallback name of another model to use when this one keeps failing
 * @param apiKeyEnv name of the environment variable holding the API key, empty for none
 */
public record Model(
    String name,
    URI baseUrl,
    String modelId,
    OptionalDouble temperature,
    OptionalInt maxTokens,
    Duration timeout,
    int retries,
    Optional<String> fallback,
    Optional<String> apiKeyEnv) {

  /** Call timeout used when a model declares none. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
  /** Retries used when a model declares none. */
  public static final int DEFAULT_RETRIES = 3;

  public Model {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(modelId, "modelId");
    Objects.requireNonNull(temperature, "temperature");
    Objects.requireNonNull(maxTokens, "maxTokens");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(fallback, "fallback");
    Objects.requireNonNull(apiKeyEnv, "apiKeyEnv");
  }

  /** A model with default parameters, timeout and retries. */
  public static Model of(String name, String baseUrl, String modelId) {
    return new Model(name, URI.create(baseUrl), modelId, OptionalDouble.empty(), OptionalInt.empty(),
        DEFAULT_TIMEOUT, DEFAULT_RETRIES, Optional.empty(), Optional.empty());
  }

  /** Copy with sampling parameters. */
  public Model withParams(OptionalDouble temperature, OptionalInt maxTokens) {
    return new Model(name, baseUrl, modelId, temperature, maxTokens, timeout, retries, fallback, apiKeyEnv);
  }

  /** Copy with timeout and retries. */
  public Model withCalls(Duration timeout, int retries) {
    return new Model(name, baseUrl, modelId, temperature, maxTokens, timeout, retries, fallback, apiKeyEnv);
  }

  /** Copy with a fallback model. */
  public Model withFallback(String fallback) {
    return new Model(name, baseUrl, modelId, temperature, maxTokens, timeout, retries, Optional.of(fallback), apiKeyEnv);
  }

  /** Copy reading its API key from environment variable {@code env}. */
  public Model withApiKeyEnv(String env) {
    return new Model(name, baseUrl, modelId, temperature, maxTokens, timeout, retries, fallback, Optional.of(env));
  }
}
