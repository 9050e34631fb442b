package io.agentmesh.agents.model;

import static io.agentmesh.agents.model.OpenAiJsonTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class JsonOutputValidatorTest {

    private final JsonOutputValidator validator = new JsonOutputValidator();
    private final ResponseFormat rating = ResponseFormat.jsonSchema("rating", json("""
            {"type":"object","required":["score","reason"],
             "properties":{"score":{"type":"integer","minimum":1,"maximum":5},"reason":{"type":"string"}},
             "additionalProperties":false}"""));

    @Test
    void acceptsContentThatFitsTheSchema() {
        assertThatCode(() -> validator.check("llm", rating, "{\"score\":4,\"reason\":\"clear\"}")).doesNotThrowAnyException();
    }

    @Test
    void namesEachViolation() {
        assertThatThrownBy(() -> validator.check("llm", rating, "{\"score\":\"high\"}"))
                .isInstanceOfSatisfying(OutputValidationException.class, e -> {
                    assertThat(e.retriable()).isTrue();
                    assertThat(e.getMessage()).contains("rating");
                    assertThat(e.violations()).anySatisfy(v -> assertThat(v).contains("score").contains("integer"));
                    assertThat(e.violations()).anySatisfy(v -> assertThat(v).contains("reason"));
                });
    }

    @Test
    void contentThatIsNotJsonIsAViolation() {
        assertThatThrownBy(() -> validator.check("llm", rating, "Sure! Here is the rating: 4"))
                .isInstanceOf(OutputValidationException.class).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> validator.check("llm", ResponseFormat.JSON_OBJECT, "[1,2]"))
                .isInstanceOf(OutputValidationException.class).hasMessageContaining("object expected");
    }

    @Test
    void toleratesAMarkdownFenceAndKeepsTheJsonAlone() throws Exception {
        assertThat(validator.check("llm", rating, "```json\n{\"score\":5,\"reason\":\"ok\"}\n```"))
                .isEqualTo("{\"score\":5,\"reason\":\"ok\"}");
        assertThat(validator.check("llm", ResponseFormat.JSON_OBJECT, " ```\n{\"a\":1}\n``` "))
                .isEqualTo("{\"a\":1}");
        assertThat(validator.check("llm", ResponseFormat.TEXT, "```\nkept as written\n```"))
                .isEqualTo("```\nkept as written\n```");
    }

    @Test
    void textFormatIsNotChecked() {
        assertThatCode(() -> validator.check("llm", ResponseFormat.TEXT, "anything")).doesNotThrowAnyException();
    }

    @Test
    void aBrokenSchemaIsRejectedUpFront() {
        assertThatThrownBy(() -> validator.schema(json("{\"type\":12}"))).isInstanceOf(IllegalArgumentException.class);
    }
}
