package io.agentmesh.infra.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelConfigTest {

    static Path resource(String name) {
        try {
            return Path.of(ModelConfigTest.class.getResource("/simulator/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource " + name, e);
        }
    }

    @Test
    void readsTheExampleScript() {
        List<ModelBehaviour> models = ModelConfig.load(resource("support.yaml"));

        assertThat(models).extracting(ModelBehaviour::name).containsExactly("support-bot", "generator");
        ModelBehaviour bot = models.getFirst();
        assertThat(bot.seed()).isEqualTo(42);
        assertThat(bot.latency()).isEqualTo(Latency.uniform(Duration.ZERO, Duration.ofMillis(2)));
        assertThat(bot.rules()).hasSize(5);
        assertThat(bot.rules().get(0).lastRole()).isEqualTo(Rule.Role.TOOL);
        assertThat(bot.rules().get(0).in()).isEqualTo(Rule.Scope.LAST_MESSAGE);
        assertThat(bot.rules().get(1).toolCalls()).extracting(ToolCall::name).containsExactly("get_weather");
        assertThat(bot.rules().get(3).json().get("label").asText()).isEqualTo("billing");
        assertThat(bot.defaultReply()).startsWith("Sorry");
        assertThat(models.get(1).defaultReply()).isNull();
        assertThat(models.get(1).latency()).isEqualTo(Latency.none());
    }

    @Test
    void readsEveryLatencyAndFaultSetting() {
        List<ModelBehaviour> models = ModelConfig.parseYaml("""
                models:
                  - name: slow
                    latency: {type: lognormal, median: 200ms, sigma: 0.5}
                    faults: {error500: 0.01, rateLimit429: 0.02, retryAfter: 1.5s, hang: 0.03, hangFor: 2m, malformed: 0.04}
                    chunkDelay: 10ms
                """, "inline");

        ModelBehaviour slow = models.getFirst();
        assertThat(slow.latency()).isEqualTo(Latency.lognormal(Duration.ofMillis(200), 0.5));
        assertThat(slow.faults()).isEqualTo(new Faults(0.01, 0.02, Duration.ofMillis(1500), 0.03,
                Duration.ofMinutes(2), 0.04));
        assertThat(slow.chunkDelay()).isEqualTo(Duration.ofMillis(10));
    }

    @Test
    void parsesDurations() {
        assertThat(ModelConfig.parseDuration("250")).isEqualTo(Duration.ofMillis(250));
        assertThat(ModelConfig.parseDuration("500us")).isEqualTo(Duration.ofNanos(500_000));
        assertThat(ModelConfig.parseDuration("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(ModelConfig.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThatThrownBy(() -> ModelConfig.parseDuration("-5ms")).hasMessageContaining("200ms");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            bad-duration.yaml   | models[0].latency.median: expected a duration like 200ms
            bad-regex.yaml      | models[0].rules[0].match: is not a valid regular expression
            unknown-field.yaml  | models[0].latncy: unknown field
            bad-syntax.yaml     | (line 4, column 9): not valid YAML
            rates-over-one.yaml | models[0].faults: the rates add up to 1.2
            bad-group-ref.yaml  | models[0].rules[0]: reply: refers to $2 but match has 1 group(s)
            missing-name.yaml   | models[0].name: missing
            bad-rate.json       | models[0].faults.error500: expected a number, got string
            """)
    void badFilesNameTheFileAndTheField(String file, String expected) {
        assertThatThrownBy(() -> ModelConfig.load(resource(file)))
                .isInstanceOf(ModelConfigException.class)
                .hasMessageStartingWith(resource(file).toString())
                .hasMessageContaining(expected);
    }

    @Test
    void missingFileIsNamed() {
        assertThatThrownBy(() -> ModelConfig.load(Path.of("no-such-sim.yaml")))
                .isInstanceOf(ModelConfigException.class)
                .hasMessage("no-such-sim.yaml: file not found");
    }

    @Test
    void builderRejectsBadSettingsAndDuplicateModels() {
        assertThatThrownBy(() -> ModelSimulator.builder().port(70000).build())
                .isInstanceOf(ModelConfigException.class).hasMessageContaining("port").hasMessageContaining("70000");
        assertThatThrownBy(() -> ModelSimulator.builder().host(" ").build())
                .isInstanceOf(ModelConfigException.class).hasMessageContaining("host");
        assertThatThrownBy(() -> ModelSimulator.builder()
                .models(List.of(ModelBehaviour.builder("generator").build()))
                .configFile(resource("support.yaml")).build())
                .isInstanceOf(ModelConfigException.class)
                .hasMessageContaining("support.yaml: model 'generator' is already defined in models(...)");
        assertThatThrownBy(() -> ModelSimulator.builder().configFile(resource("unknown-field.yaml")).build())
                .isInstanceOf(ModelConfigException.class).hasMessageContaining("latncy");
    }

    @Test
    void javaRulesCheckTheirTemplates() {
        assertThatThrownBy(() -> Rule.matching("order (\\d+)").replying("$3"))
                .hasMessageContaining("refers to $3");
        assertThatThrownBy(() -> Rule.matching("x").replyingJson("{oops"))
                .hasMessageContaining("not valid JSON");
        assertThat(Rule.matching("(?<city>\\w+)").callingTool("get_weather", "{\"city\":\"${city}\"}").toolCalls())
                .hasSize(1);
    }
}
