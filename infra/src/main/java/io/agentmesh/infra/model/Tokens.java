package io.agentmesh.infra.model;

/** Deterministic token estimates: about four characters per token, as OpenAI's rule of thumb. */
final class Tokens {

    private Tokens() {
    }

    /** Tokens of {@code text}: ceil(length / 4); 0 for empty text. */
    static int estimate(String text) {
        return (text.length() + 3) / 4;
    }
}
