package io.agentmesh.agents.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * The shape of the answer: free text, any JSON object, or JSON that must satisfy a schema. With
 * {@link Type#JSON_OBJECT} or {@link Type#JSON_SCHEMA} the client checks the content and throws a
 * retriable {@link OutputValidationException} when it does not fit.
 *
 * @param type   text, json_object or json_schema
 * @param name   schema name (json_schema only)
 * @param schema the JSON Schema (json_schema only; copied)
 * @param strict ask the provider to enforce the schema while sampling (json_schema only)
 */
public record ResponseFormat(Type type, String name, JsonNode schema, boolean strict) {

    /** The OpenAI response_format types. */
    public enum Type { TEXT, JSON_OBJECT, JSON_SCHEMA }

    public static final ResponseFormat TEXT = new ResponseFormat(Type.TEXT, null, null, false);
    public static final ResponseFormat JSON_OBJECT = new ResponseFormat(Type.JSON_OBJECT, null, null, false);

    public ResponseFormat {
        Objects.requireNonNull(type, "type");
        if (type == Type.JSON_SCHEMA) {
            Objects.requireNonNull(schema, "schema");
            if (name == null || !name.matches("[a-zA-Z0-9_-]{1,64}")) {
                throw new IllegalArgumentException("json_schema name must match [a-zA-Z0-9_-]{1,64}, was " + name);
            }
            schema = schema.deepCopy();
        } else if (schema != null) {
            throw new IllegalArgumentException("a schema is only allowed with JSON_SCHEMA, not " + type);
        }
    }

    /** JSON output that must satisfy {@code schema}. */
    public static ResponseFormat jsonSchema(String name, JsonNode schema) {
        return new ResponseFormat(Type.JSON_SCHEMA, name, schema, false);
    }

    /** The same, asking the provider to enforce the schema while sampling ({@code strict: true}). */
    public static ResponseFormat strictJsonSchema(String name, JsonNode schema) {
        return new ResponseFormat(Type.JSON_SCHEMA, name, schema, true);
    }

    /** Whether the content must be JSON. */
    public boolean isJson() {
        return type != Type.TEXT;
    }
}
