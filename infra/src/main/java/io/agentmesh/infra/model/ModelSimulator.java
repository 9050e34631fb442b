package io.agentmesh.infra.model;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpServerOptions;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An OpenAI-compatible model server that stands in for vLLM or a paid model in tests and benchmarks.
 *
 * <p>Serves {@code POST /v1/chat/completions} (plain and streamed), {@code GET /v1/models}, and an
 * admin API ({@code PUT /admin/models/{name}}, {@code GET /admin/stats}, {@code POST /admin/reset});
 * see docs/simulator.md.
 *
 * <p>Design: it must never be the bottleneck of a benchmark. It runs its own Vert.x instance with
 * two event loops per core, one HTTP server per event loop sharing the port (Vert.x balances
 * connections across them), keep-alive, an accept backlog of 4096; latency is a Vert.x timer, so a
 * thousand requests waiting cost a thousand timers, not a thousand threads. Random draws are
 * counter-based per model, so no lock is shared between event loops.
 *
 * <p>Lifecycle: {@code NEW -> STARTED -> CLOSED}; {@link #start()} once, {@link #close()} any time.
 */
public final class ModelSimulator implements AutoCloseable {

    /** The accept backlog; Linux caps it at net.core.somaxconn. */
    static final int ACCEPT_BACKLOG = 4096;

    private enum State { NEW, STARTED, CLOSED }

    private final String host;
    private final int requestedPort;
    private final Registry registry;
    private final int instances;
    private State state = State.NEW;
    private Vertx vertx;
    private volatile int port = -1;

    private ModelSimulator(String host, int port, List<ModelBehaviour> models) {
        this.host = host;
        this.requestedPort = port;
        this.registry = new Registry(models);
        this.instances = Math.max(2, 2 * Runtime.getRuntime().availableProcessors());
    }

    /** A builder: host 127.0.0.1, port 8000, the model {@code sim-default} only. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts listening; returns once the port is bound. Throws {@link PortInUseException} when it is taken. */
    public synchronized ModelSimulator start() {
        if (state != State.NEW) {
            throw new IllegalStateException("model simulator: start() called when " + state.name().toLowerCase());
        }
        long startedAt = System.currentTimeMillis() / 1000;
        vertx = Vertx.vertx(new VertxOptions()
                .setEventLoopPoolSize(instances)
                .setFileSystemOptions(new FileSystemOptions().setFileCachingEnabled(false)
                        .setClassPathResolvingEnabled(false)));
        try {
            // Vert.x shares one listening socket among servers bound to the same host and port > 0, and
            // spreads connections over their event loops; servers bound to port 0 are never shared. So a
            // free port is picked first and every instance binds it; a port taken in between is retried.
            for (int attempt = 1; ; attempt++) {
                int bindPort = requestedPort == 0 ? freePort() : requestedPort;
                try {
                    deploy(bindPort, startedAt);
                    break;
                } catch (PortInUseException e) {
                    if (requestedPort != 0 || attempt == 5) {
                        throw e;
                    }
                }
            }
            state = State.STARTED;
            return this;
        } catch (RuntimeException e) {
            closeVertx();
            state = State.CLOSED;
            throw e;
        }
    }

    private void deploy(int bindPort, long startedAt) {
        HttpServerOptions options = new HttpServerOptions()
                .setHost(host)
                .setPort(bindPort)
                .setAcceptBacklog(ACCEPT_BACKLOG)
                .setReuseAddress(true)
                .setTcpNoDelay(true)
                .setCompressionSupported(false)
                .setIdleTimeout(0);
        // A deployment that fails undeploys the instances that did start.
        await(vertx.deployVerticle(() -> new SimulatorVerticle(registry, options, startedAt),
                new DeploymentOptions().setInstances(instances)), bindPort);
        port = bindPort;
    }

    private int freePort() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("model simulator: cannot find a free port on " + host + ": " + e, e);
        }
    }

    /** {@code http://HOST:PORT/v1}, the base URL OpenAI clients expect. */
    public String baseUrl() {
        requireStarted();
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + h + ":" + port + "/v1";
    }

    /** The port it listens on. */
    public int port() {
        requireStarted();
        return port;
    }

    /** Adds a model, or replaces the behaviour of one with the same name (its counters are kept). */
    public void putModel(ModelBehaviour model) {
        registry.put(Objects.requireNonNull(model, "model"));
    }

    /** Stops serving {@code name}; returns false when it was not served. */
    public boolean removeModel(String name) {
        return registry.remove(name);
    }

    /** The models served now, by name. */
    public List<ModelBehaviour> models() {
        return List.copyOf(registry.behaviours());
    }

    /** A snapshot of the counters since start or the last {@link #reset()}. */
    public SimulatorStats stats() {
        return registry.stats();
    }

    /** Back to the models it was built with, every counter at zero (as {@code POST /admin/reset}). */
    public void reset() {
        registry.reset();
    }

    /** Stops listening and drops open connections (hung requests included). Idempotent. */
    @Override
    public synchronized void close() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        closeVertx();
    }

    private void closeVertx() {
        if (vertx != null) {
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // Closing is best effort: nothing a caller can do about a slow shutdown.
            }
        }
    }

    private void requireStarted() {
        if (port < 0) {
            throw new IllegalStateException("model simulator: not started; call start() first");
        }
    }

    private <T> T await(Future<T> future, int bindPort) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("model simulator: interrupted while starting", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("model simulator: not listening on " + host + ":" + bindPort
                    + " after 30 s", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof BindException || String.valueOf(cause.getMessage()).contains("in use")) {
                throw new PortInUseException(host, bindPort, cause);
            }
            throw new IllegalStateException("model simulator: cannot listen on " + host + ":" + bindPort
                    + ": " + cause, cause);
        }
    }

    /** Builds a {@link ModelSimulator}; every setting is optional. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8000;
        private final List<ModelBehaviour> models = new ArrayList<>();
        private Path configFile;

        private Builder() {
        }

        /** The address to bind; default 127.0.0.1. */
        public Builder host(String value) {
            this.host = value;
            return this;
        }

        /** The port; 0 picks a free one; default 8000. */
        public Builder port(int value) {
            this.port = value;
            return this;
        }

        /** Models to serve, in addition to {@code sim-default} (which one of them may replace). */
        public Builder models(List<ModelBehaviour> value) {
            models.addAll(Objects.requireNonNull(value, "models"));
            return this;
        }

        /** A YAML or JSON file of models (docs/simulator.md); read by {@link #build()}. */
        public Builder configFile(Path value) {
            this.configFile = value;
            return this;
        }

        /** Checks the settings and reads the config file; throws {@link ModelConfigException} naming what is wrong. */
        public ModelSimulator build() {
            if (host == null || host.isBlank()) {
                throw new ModelConfigException("host: must not be blank, got '" + host + "'");
            }
            if (port < 0 || port > 65535) {
                throw new ModelConfigException("port: must be in 0..65535 (0 for a free port), got " + port);
            }
            Map<String, ModelBehaviour> all = new LinkedHashMap<>();
            Map<String, String> from = new LinkedHashMap<>();
            all.put(ModelBehaviour.DEFAULT_MODEL, ModelBehaviour.simDefault());
            for (ModelBehaviour m : models) {
                add(all, from, Objects.requireNonNull(m, "models contains null"), "models(...)");
            }
            if (configFile != null) {
                for (ModelBehaviour m : ModelConfig.load(configFile)) {
                    add(all, from, m, configFile.toString());
                }
            }
            return new ModelSimulator(host, port, List.copyOf(all.values()));
        }

        private static void add(Map<String, ModelBehaviour> all, Map<String, String> from, ModelBehaviour m,
                                String source) {
            String earlier = from.putIfAbsent(m.name(), source);
            if (earlier != null) {
                throw new ModelConfigException(source + ": model '" + m.name() + "' is already defined in " + earlier);
            }
            all.put(m.name(), m);
        }
    }
}
