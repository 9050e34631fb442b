package io.agentmesh.agents.model;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicInteger;

/** A {@link ChatModel} that plays back a script of answers and failures, then repeats the last step. */
final class ScriptedModel implements ChatModel {

    /** One scripted outcome. */
    interface Step {
        ChatResponse play(String name) throws ModelException;
    }

    private final String name;
    private final Deque<Step> script = new ArrayDeque<>();
    private Step last;
    final AtomicInteger calls = new AtomicInteger();

    ScriptedModel(String name, Step... steps) {
        this.name = name;
        for (Step s : steps) {
            script.add(s);
        }
    }

    static Step answer(String content) {
        return n -> new ChatResponse(content, null, "stop", new Usage(3, 2), Duration.ofMillis(1), n, n + "-model", false);
    }

    static Step fail(java.util.function.Function<String, ModelException> failure) {
        return n -> {
            throw failure.apply(n);
        };
    }

    static Step serverError() {
        return fail(n -> new ModelServerException(n, 503, "busy"));
    }

    @Override
    public synchronized ChatResponse complete(ChatRequest request) throws ModelException {
        calls.incrementAndGet();
        Step step = script.isEmpty() ? last : script.poll();
        last = step;
        return step.play(name);
    }

    @Override
    public String name() {
        return name;
    }
}
