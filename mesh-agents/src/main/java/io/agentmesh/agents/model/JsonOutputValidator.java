package io.agentmesh.agents.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaException;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.SpecVersionDetector;
import com.networknt.schema.ValidationMessage;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks that an answer's content is the JSON its request asked for. Schemas are compiled once and
 * cached by value (a graph has few); the dialect is the schema's {@code $schema}, else 2020-12.
 */
final class JsonOutputValidator {

    private static final int MAX_CACHED = 512;
    private static final int MAX_VIOLATIONS = 10;

    private static final Map<SpecVersion.VersionFlag, JsonSchema> META_SCHEMAS = new ConcurrentHashMap<>();

    private final Map<JsonNode, JsonSchema> compiled = new ConcurrentHashMap<>();

    /** Checks the schema against its dialect's meta-schema and compiles it, so a broken schema fails before any call. */
    JsonSchema schema(JsonNode schemaNode) {
        JsonSchema schema = compiled.get(schemaNode);
        if (schema != null) {
            return schema;
        }
        try {
            SpecVersion.VersionFlag dialect = SpecVersionDetector.detectOptionalVersion(schemaNode, false)
                    .orElse(SpecVersion.VersionFlag.V202012);
            JsonSchemaFactory factory = JsonSchemaFactory.getInstance(dialect);
            Set<ValidationMessage> problems = META_SCHEMAS
                    .computeIfAbsent(dialect, d -> factory.getSchema(SchemaLocation.of(d.getId())))
                    .validate(schemaNode);
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("invalid JSON Schema in response format: "
                        + problems.stream().limit(MAX_VIOLATIONS).map(ValidationMessage::getMessage).toList());
            }
            schema = factory.getSchema(schemaNode);
        } catch (JsonSchemaException e) {
            throw new IllegalArgumentException("invalid JSON Schema in response format: " + e.getMessage(), e);
        }
        if (compiled.size() >= MAX_CACHED) {
            compiled.clear();
        }
        compiled.put(schemaNode, schema);
        return schema;
    }

    /**
     * Throws when {@code content} is not JSON or, with a schema, does not satisfy it; returns the
     * content to keep: for a JSON format the JSON alone, without a Markdown fence around it.
     */
    String check(String endpoint, ResponseFormat format, String content) throws OutputValidationException {
        if (!format.isJson()) {
            return content;
        }
        String name = format.type() == ResponseFormat.Type.JSON_SCHEMA ? format.name() : "json_object";
        String json = stripFences(content);
        JsonNode value;
        try {
            value = OpenAiJson.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new OutputValidationException(endpoint, name,
                    List.of("content is not JSON: " + e.getOriginalMessage()));
        }
        if (value == null || value.isMissingNode()) {
            throw new OutputValidationException(endpoint, name, List.of("content is empty"));
        }
        if (format.type() == ResponseFormat.Type.JSON_OBJECT) {
            if (!value.isObject()) {
                throw new OutputValidationException(endpoint, name,
                        List.of("content is JSON " + value.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + ", object expected"));
            }
            return json;
        }
        Set<ValidationMessage> errors = schema(format.schema()).validate(value);
        if (!errors.isEmpty()) {
            throw new OutputValidationException(endpoint, name,
                    errors.stream().limit(MAX_VIOLATIONS).map(ValidationMessage::getMessage).toList());
        }
        return json;
    }

    /** Models often wrap JSON in a Markdown code fence even when told not to; accept that much. */
    static String stripFences(String content) {
        String s = content.strip();
        if (s.startsWith("```")) {
            int firstNewline = s.indexOf('\n');
            int lastFence = s.lastIndexOf("```");
            if (firstNewline > 0 && lastFence > firstNewline) {
                return s.substring(firstNewline + 1, lastFence).strip();
            }
        }
        return s;
    }
}
