package io.agentmesh.agents.model;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ChatModel} that calls one OpenAI-compatible {@code /chat/completions} endpoint, once per
 * {@link #complete} call (no retries here: see {@link ResilientChatModel}).
 *
 * <p>Design. The JDK {@link HttpClient} speaking HTTP/1.1: vLLM and most providers serve HTTP/1.1,
 * and asking for HTTP/2 over cleartext only adds an upgrade round trip. Its HTTP/1.1 pool opens one
 * connection per concurrent exchange with no per-host cap and keeps idle ones for reuse
 * ({@code jdk.httpclient.connectionPoolSize}, default 0 = unbounded;
 * {@code jdk.httpclient.keepalive.timeout}, default 30 s), so 1,000 calls in flight are 1,000 sockets
 * to the server; mind the open-file limit. The caller blocks (it runs on a virtual thread), but we
 * wait on {@code sendAsync(...).get(timeout)} rather than {@code send}: {@link HttpRequest#timeout}
 * stops counting once the response headers arrive, so a server that sends headers and then stalls
 * would hang {@code send} for ever. Waiting with a deadline and cancelling the future (which aborts
 * the exchange and closes the connection) bounds the whole call, by the endpoint's timeout or the
 * request's own deadline, whichever comes first.
 *
 * <p>The API key is read from the endpoint's environment variable on every call (so a rotated key is
 * picked up) and is never logged or put in an exception.
 */
public final class OpenAiChatModel implements ChatModel, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OpenAiChatModel.class);

    private final ModelEndpoint endpoint;
    private final HttpClient client;
    private final ExecutorService ownedExecutor;
    private final UnaryOperator<String> environment;
    private final Clock clock;
    private final JsonOutputValidator validator = new JsonOutputValidator();

    private OpenAiChatModel(Builder b) {
        this.endpoint = b.endpoint;
        this.environment = b.environment;
        this.clock = b.clock;
        if (b.httpClient != null) {
            this.client = b.httpClient;
            this.ownedExecutor = null;
        } else {
            this.ownedExecutor = Executors.newVirtualThreadPerTaskExecutor();
            this.client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(endpoint.connectTimeout())
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .executor(ownedExecutor)
                    .build();
        }
    }

    /** A client of {@code endpoint} with its own HTTP client and the process environment. */
    public static OpenAiChatModel create(ModelEndpoint endpoint) {
        return builder(endpoint).build();
    }

    /** A builder, to share an HTTP client or replace the environment or clock (tests). */
    public static Builder builder(ModelEndpoint endpoint) {
        return new Builder(endpoint);
    }

    /** The endpoint this client calls. */
    public ModelEndpoint endpoint() {
        return endpoint;
    }

    @Override
    public String name() {
        return endpoint.name();
    }

    @Override
    public ChatResponse complete(ChatRequest request) throws ModelException {
        Objects.requireNonNull(request, "request");
        if (request.responseFormat().type() == ResponseFormat.Type.JSON_SCHEMA) {
            validator.schema(request.responseFormat().schema()); // a broken schema fails before the call
        }
        Duration timeout = endpoint.requestTimeout();
        boolean deadlineFirst = false; // whether the request's deadline comes before the endpoint's timeout
        if (request.deadline() != null) {
            Duration left = Duration.between(clock.instant(), request.deadline());
            if (!left.isPositive()) {
                throw new ModelDeadlineException(endpoint.name(), request.deadline(), null);
            }
            if (left.compareTo(timeout) < 0) {
                timeout = left;
                deadlineFirst = true;
            }
        }
        HttpRequest httpRequest = httpRequest(request);
        long start = System.nanoTime();
        CompletableFuture<HttpResponse<String>> future =
                client.sendAsync(httpRequest, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        HttpResponse<String> response;
        try {
            response = future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            if (deadlineFirst) {
                throw new ModelDeadlineException(endpoint.name(), request.deadline(), e);
            }
            throw new ModelTimeoutException(endpoint.name(), timeout, e);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new ModelInterruptedException(endpoint.name(), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw HttpErrors.forIoFailure(endpoint.name(), timeout, io);
            }
            throw new ModelConnectionException(endpoint.name(), cause == null ? e : cause);
        }
        Duration latency = Duration.ofNanos(System.nanoTime() - start);
        int status = response.statusCode();
        if (status < 200 || status > 299) {
            ModelException failure = HttpErrors.forStatus(endpoint.name(), status,
                    response.headers().firstValue("Retry-After"), response.headers().firstValue("retry-after-ms"),
                    response.body(), clock.instant());
            LOG.debug("{} answered HTTP {} in {} ms", endpoint.name(), status, latency.toMillis());
            throw failure;
        }
        OpenAiJson.Completion completion = OpenAiJson.parseCompletion(endpoint.name(), response.body());
        String content = completion.content();
        if (content != null && completion.toolCalls().isEmpty()) {
            content = validator.check(endpoint.name(), request.responseFormat(), content);
        }
        return new ChatResponse(content, completion.toolCalls(), completion.finishReason(),
                completion.usage(), latency, endpoint.name(),
                completion.model() != null ? completion.model() : endpoint.modelId(), false);
    }

    private HttpRequest httpRequest(ChatRequest request) throws ModelAuthenticationException {
        HttpRequest.Builder http = HttpRequest.newBuilder(endpoint.chatCompletionsUri())
                .timeout(endpoint.requestTimeout())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(OpenAiJson.requestBody(request, endpoint)));
        if (endpoint.apiKeyEnv() != null) {
            String key = environment.apply(endpoint.apiKeyEnv());
            if (key == null || key.isBlank()) {
                throw new ModelAuthenticationException(endpoint.name(), 401,
                        "environment variable " + endpoint.apiKeyEnv() + " is not set; no request sent");
            }
            http.header("Authorization", "Bearer " + key.strip());
        }
        return http.build();
    }

    /** Closes the HTTP client when this model created it; a shared one is left to its owner. */
    @Override
    public void close() {
        if (ownedExecutor != null) {
            client.close();
            ownedExecutor.close();
        }
    }

    @Override
    public String toString() {
        return "OpenAiChatModel[" + endpoint.name() + " " + endpoint.baseUrl() + " " + endpoint.modelId() + "]";
    }

    /** Builds an {@link OpenAiChatModel}. */
    public static final class Builder {
        private final ModelEndpoint endpoint;
        private HttpClient httpClient;
        private UnaryOperator<String> environment = System::getenv;
        private Clock clock = Clock.systemUTC();

        private Builder(ModelEndpoint endpoint) {
            this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        }

        /** Use this HTTP client (shared between endpoints, say); its owner closes it. */
        public Builder httpClient(HttpClient value) {
            this.httpClient = Objects.requireNonNull(value, "httpClient");
            return this;
        }

        /** Where API keys are looked up by variable name; {@code System::getenv} by default. */
        public Builder environment(UnaryOperator<String> value) {
            this.environment = Objects.requireNonNull(value, "environment");
            return this;
        }

        /** The clock that turns an HTTP-date Retry-After into a delay. */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /** The model. */
        public OpenAiChatModel build() {
            return new OpenAiChatModel(this);
        }
    }
}
