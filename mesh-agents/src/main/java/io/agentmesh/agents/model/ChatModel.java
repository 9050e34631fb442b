package io.agentmesh.agents.model;

/**
 * A chat model: one request in, one answer out.
 *
 * <p>Blocking by design. The runtime calls models from virtual threads, where a blocked call costs a
 * parked continuation, not an OS thread; thousands of calls can be in flight with plain,
 * debuggable, sequential code (retries are a loop with a sleep) and no callback chains. Do not call
 * it from an event loop.
 *
 * <p>Implementations are thread-safe.
 */
public interface ChatModel {

    /**
     * Sends the request and waits for the answer.
     *
     * @throws RetriableModelException when the same request may succeed later
     * @throws FatalModelException     when it will not
     */
    ChatResponse complete(ChatRequest request) throws ModelException;

    /** A short name for logs, metrics and breakers: the endpoint's name for a remote model. */
    default String name() {
        return getClass().getSimpleName();
    }
}
