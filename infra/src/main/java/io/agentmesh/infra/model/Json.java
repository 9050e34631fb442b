package io.agentmesh.infra.model;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The simulator's one JSON mapper (thread-safe once configured). */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }
}
