package io.agentmesh.agents.model;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Where and how to reach one OpenAI-compatible server (vLLM, a provider, the simulator).
 *
 * <p>The API key is never held here: only the name of the environment variable that holds it, read
 * at call time. {@link #toString()} therefore never prints a secret.
 *
 * @param name           short name used in logs, metrics, breakers and errors
 * @param baseUrl        the API root, for example {@code http://127.0.0.1:8000/v1}
 * @param modelId        model id sent when the request names none
 * @param apiKeyEnv      environment variable holding the bearer token, or null for none (local vLLM)
 * @param requestTimeout deadline of one call, from sending until the whole body has arrived
 * @param connectTimeout deadline to open a TCP connection
 * @param defaults       sampling parameters applied when the request leaves them unset
 */
public record ModelEndpoint(String name, URI baseUrl, String modelId, String apiKeyEnv,
                            Duration requestTimeout, Duration connectTimeout, ModelParameters defaults) {

    /** Default deadline of one call: generous, since long completions take tens of seconds. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);
    /** Default connect deadline. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    public ModelEndpoint {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        Objects.requireNonNull(baseUrl, "baseUrl");
        String scheme = baseUrl.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("baseUrl of " + name + " must be http(s), was " + baseUrl);
        }
        if (baseUrl.getUserInfo() != null) {
            throw new IllegalArgumentException("baseUrl of " + name + " must not carry credentials; use apiKeyEnv");
        }
        if (modelId == null || modelId.isBlank()) {
            throw new IllegalArgumentException("modelId of " + name + " must not be blank");
        }
        if (apiKeyEnv != null && apiKeyEnv.isBlank()) {
            apiKeyEnv = null;
        }
        requestTimeout = requestTimeout == null ? DEFAULT_REQUEST_TIMEOUT : requestTimeout;
        connectTimeout = connectTimeout == null ? DEFAULT_CONNECT_TIMEOUT : connectTimeout;
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout of " + name + " must be > 0, was " + requestTimeout);
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout of " + name + " must be > 0, was " + connectTimeout);
        }
        defaults = defaults == null ? ModelParameters.NONE : defaults;
    }

    /** An endpoint with no API key, default timeouts and no default parameters. */
    public static ModelEndpoint of(String name, String baseUrl, String modelId) {
        return new ModelEndpoint(name, URI.create(baseUrl), modelId, null, null, null, null);
    }

    /** This endpoint authenticating with the key in environment variable {@code variable}. */
    public ModelEndpoint withApiKeyEnv(String variable) {
        return new ModelEndpoint(name, baseUrl, modelId, variable, requestTimeout, connectTimeout, defaults);
    }

    /** This endpoint with another call deadline. */
    public ModelEndpoint withRequestTimeout(Duration timeout) {
        return new ModelEndpoint(name, baseUrl, modelId, apiKeyEnv, timeout, connectTimeout, defaults);
    }

    /** This endpoint with other default parameters. */
    public ModelEndpoint withDefaults(ModelParameters parameters) {
        return new ModelEndpoint(name, baseUrl, modelId, apiKeyEnv, requestTimeout, connectTimeout, parameters);
    }

    /** The chat completions URL. */
    URI chatCompletionsUri() {
        String base = baseUrl.toString();
        return URI.create(base.endsWith("/") ? base + "chat/completions" : base + "/chat/completions");
    }
}
