package io.agentmesh.infra.model;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads simulator model configurations: files ({@code .yaml}, {@code .yml} or {@code .json}) holding
 * {@code models: [...]}, and single model objects (the body of {@code PUT /admin/models/{name}}).
 * The format is documented in docs/simulator.md. Every error names the source and the field path,
 * e.g. {@code sim.yaml: models[0].latency.median: ...}; unknown fields are errors, to catch typos.
 */
public final class ModelConfig {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(us|ms|s|m|h)?");

    private static final Set<String> TOP_FIELDS = Set.of("models");
    private static final Set<String> MODEL_FIELDS =
            Set.of("name", "latency", "faults", "seed", "rules", "default", "chunkDelay");
    private static final Set<String> FAULT_FIELDS =
            Set.of("error500", "rateLimit429", "retryAfter", "hang", "hangFor", "malformed");
    private static final Set<String> RULE_FIELDS = Set.of("match", "in", "lastRole", "reply", "json", "toolCalls");
    private static final Set<String> TOOL_CALL_FIELDS = Set.of("name", "arguments");

    private ModelConfig() {
    }

    /** The models of the file at {@code file}. */
    public static List<ModelBehaviour> load(Path file) {
        String source = file.toString();
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ModelConfigException(source + ": file not found");
        } catch (IOException e) {
            throw new ModelConfigException(source + ": cannot read: " + e.getMessage(), e);
        }
        boolean json = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
        return parseModels(text, source, json ? JSON : YAML);
    }

    /** The models of a YAML (or JSON) document {@code text}; {@code source} names it in errors. */
    public static List<ModelBehaviour> parseYaml(String text, String source) {
        return parseModels(text, source, YAML);
    }

    /** One model from a JSON object (the admin API's body); {@code source} names it in errors. */
    public static ModelBehaviour parseModelJson(String json, String source) {
        return parseModel(readTree(json, source, JSON), source, "");
    }

    /** One model from an already-parsed JSON object; {@code source} names it in errors. */
    static ModelBehaviour parseModel(JsonNode node, String source) {
        return parseModel(node, source, "");
    }

    private static List<ModelBehaviour> parseModels(String text, String source, ObjectMapper mapper) {
        JsonNode root = readTree(text, source, mapper);
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new ModelConfigException(source + ": the file is empty; expected 'models: [...]'");
        }
        Fields top = new Fields(source, "", root);
        top.requireObject();
        top.noUnknown(TOP_FIELDS);
        JsonNode models = top.required("models");
        if (!models.isArray()) {
            throw top.error("models", "expected a list of models");
        }
        List<ModelBehaviour> result = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < models.size(); i++) {
            String path = "models[" + i + "]";
            ModelBehaviour model = parseModel(models.get(i), source, path);
            if (!names.add(model.name())) {
                throw new ModelConfigException(source + ": " + path + ".name: model '" + model.name()
                        + "' is defined twice");
            }
            result.add(model);
        }
        return result;
    }

    private static JsonNode readTree(String text, String source, ObjectMapper mapper) {
        try {
            return mapper.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
            throw new ModelConfigException(source + where + ": not valid "
                    + (mapper == JSON ? "JSON" : "YAML") + ": " + e.getOriginalMessage(), e);
        }
    }

    private static ModelBehaviour parseModel(JsonNode node, String source, String path) {
        Fields f = new Fields(source, path, node);
        f.requireObject();
        f.noUnknown(MODEL_FIELDS);
        String name = f.text(f.required("name"), "name");
        if (name.isBlank()) {
            throw f.error("name", "must not be blank");
        }
        ModelBehaviour.Builder b = ModelBehaviour.builder(name);
        JsonNode latency = node.get("latency");
        if (latency != null) {
            b.latency(latency(f.child("latency", latency)));
        }
        JsonNode faults = node.get("faults");
        if (faults != null) {
            b.faults(faults(f.child("faults", faults)));
        }
        if (node.has("seed")) {
            JsonNode seed = node.get("seed");
            if (!seed.canConvertToLong() || !seed.isIntegralNumber()) {
                throw f.error("seed", "expected a whole number, got " + seed);
            }
            b.seed(seed.longValue());
        }
        if (node.has("default")) {
            b.defaultReply(f.text(node.get("default"), "default"));
        }
        if (node.has("chunkDelay")) {
            b.chunkDelay(f.duration(node.get("chunkDelay"), "chunkDelay"));
        }
        JsonNode rules = node.get("rules");
        if (rules != null && !rules.isNull()) {
            if (!rules.isArray()) {
                throw f.error("rules", "expected a list of rules");
            }
            for (int i = 0; i < rules.size(); i++) {
                b.rule(rule(f.child("rules[" + i + "]", rules.get(i))));
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw f.error(null, e.getMessage());
        }
    }

    private static Latency latency(Fields f) {
        JsonNode node = f.node;
        if (node.isTextual() || node.isNumber()) {
            return Latency.fixed(f.duration(node, null));
        }
        f.requireObject();
        String type = f.text(f.required("type"), "type");
        try {
            return switch (type) {
                case "fixed" -> {
                    f.noUnknown(Set.of("type", "value"));
                    yield Latency.fixed(f.duration(f.required("value"), "value"));
                }
                case "uniform" -> {
                    f.noUnknown(Set.of("type", "min", "max"));
                    yield Latency.uniform(f.duration(f.required("min"), "min"), f.duration(f.required("max"), "max"));
                }
                case "lognormal" -> {
                    f.noUnknown(Set.of("type", "median", "sigma"));
                    yield Latency.lognormal(f.duration(f.required("median"), "median"),
                            f.number(f.required("sigma"), "sigma"));
                }
                default -> throw f.error("type", "expected fixed, uniform or lognormal, got '" + type + "'");
            };
        } catch (IllegalArgumentException e) {
            throw f.error(null, e.getMessage().replace("latency.", ""));
        }
    }

    private static Faults faults(Fields f) {
        f.requireObject();
        f.noUnknown(FAULT_FIELDS);
        JsonNode n = f.node;
        Faults faults = Faults.none();
        try {
            if (n.has("error500")) {
                faults = faults.withError500(f.number(n.get("error500"), "error500"));
            }
            if (n.has("rateLimit429")) {
                faults = faults.withRateLimit429(f.number(n.get("rateLimit429"), "rateLimit429"));
            }
            if (n.has("retryAfter")) {
                faults = faults.withRetryAfter(f.duration(n.get("retryAfter"), "retryAfter"));
            }
            if (n.has("hang")) {
                faults = faults.withHang(f.number(n.get("hang"), "hang"));
            }
            if (n.has("hangFor")) {
                faults = faults.withHangFor(f.duration(n.get("hangFor"), "hangFor"));
            }
            if (n.has("malformed")) {
                faults = faults.withMalformed(f.number(n.get("malformed"), "malformed"));
            }
        } catch (IllegalArgumentException e) {
            throw f.error(null, e.getMessage().replaceFirst("^faults[.:] ?", ""));
        }
        return faults;
    }

    private static Rule rule(Fields f) {
        f.requireObject();
        f.noUnknown(RULE_FIELDS);
        JsonNode n = f.node;
        Pattern match = null;
        if (n.has("match")) {
            try {
                match = Rule.compile(f.text(n.get("match"), "match"));
            } catch (IllegalArgumentException e) {
                throw f.error("match", e.getMessage().replaceFirst("^match ", ""));
            }
        }
        Rule.Scope in = Rule.Scope.LAST_USER;
        if (n.has("in")) {
            String scope = f.text(n.get("in"), "in");
            in = null;
            for (Rule.Scope s : Rule.Scope.values()) {
                if (s.configName().equals(scope)) {
                    in = s;
                }
            }
            if (in == null) {
                throw f.error("in", "expected lastUser, lastMessage, system or any, got '" + scope + "'");
            }
        }
        Rule.Role lastRole = null;
        if (n.has("lastRole")) {
            String role = f.text(n.get("lastRole"), "lastRole");
            lastRole = Rule.Role.fromWire(role);
            if (lastRole == null) {
                throw f.error("lastRole", "expected system, developer, user, assistant or tool, got '" + role + "'");
            }
        }
        String reply = n.has("reply") ? f.text(n.get("reply"), "reply") : null;
        JsonNode json = n.get("json");
        List<ToolCall> calls = new ArrayList<>();
        JsonNode toolCalls = n.get("toolCalls");
        if (toolCalls != null) {
            if (!toolCalls.isArray()) {
                throw f.error("toolCalls", "expected a list of {name, arguments}");
            }
            for (int i = 0; i < toolCalls.size(); i++) {
                Fields c = f.child("toolCalls[" + i + "]", toolCalls.get(i));
                c.requireObject();
                c.noUnknown(TOOL_CALL_FIELDS);
                String name = c.text(c.required("name"), "name");
                JsonNode args = c.node.get("arguments");
                if (args == null || args.isNull()) {
                    args = JSON.createObjectNode();
                } else if (args.isTextual()) {
                    try {
                        args = JSON.readTree(args.textValue());
                    } catch (JsonProcessingException e) {
                        throw c.error("arguments", "a string here must hold JSON: " + e.getOriginalMessage());
                    }
                }
                calls.add(new ToolCall(name, args));
            }
        }
        try {
            return new Rule(match, in, lastRole, reply, json, calls);
        } catch (IllegalArgumentException e) {
            throw f.error(null, e.getMessage().replaceFirst("^rule: ", ""));
        }
    }

    /** Parses {@code 200ms}, {@code 1.5s}, {@code 500us}, {@code 2m}, {@code 1h}; a bare number is milliseconds. */
    static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("expected a duration like 200ms, 1.5s or 2m, got '" + text + "'");
        }
        BigDecimal value = new BigDecimal(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        BigDecimal nanosPerUnit = BigDecimal.valueOf(switch (unit) {
            case "us" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
        });
        return Duration.ofNanos(value.multiply(nanosPerUnit).longValue());
    }

    /** A node being read, with where it is, for error messages. */
    private record Fields(String source, String path, JsonNode node) {

        Fields child(String name, JsonNode child) {
            return new Fields(source, join(name), child);
        }

        void requireObject() {
            if (node == null || !node.isObject()) {
                throw new ModelConfigException(source + ": " + (path.isEmpty() ? "" : path + ": ")
                        + "expected an object with fields, got " + describe(node));
            }
        }

        void noUnknown(Set<String> known) {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!known.contains(name)) {
                    throw error(name, "unknown field (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
                }
            }
        }

        JsonNode required(String name) {
            JsonNode value = node.get(name);
            if (value == null || value.isNull()) {
                throw error(name, "missing");
            }
            return value;
        }

        String text(JsonNode value, String name) {
            if (!value.isTextual()) {
                throw error(name, "expected text, got " + describe(value));
            }
            return value.textValue();
        }

        double number(JsonNode value, String name) {
            if (!value.isNumber()) {
                throw error(name, "expected a number, got " + describe(value));
            }
            return value.doubleValue();
        }

        Duration duration(JsonNode value, String name) {
            if (value.isNumber()) {
                if (value.doubleValue() < 0) {
                    throw error(name, "must not be negative, got " + value);
                }
                return Duration.ofNanos(Math.round(value.doubleValue() * 1_000_000));
            }
            try {
                return parseDuration(text(value, name));
            } catch (IllegalArgumentException e) {
                throw error(name, e.getMessage());
            }
        }

        ModelConfigException error(String field, String message) {
            String where = field == null ? path : join(field);
            return new ModelConfigException(source + ": " + (where.isEmpty() ? "" : where + ": ") + message);
        }

        private String join(String name) {
            return path.isEmpty() ? name : path + "." + name;
        }

        private static String describe(JsonNode value) {
            if (value == null || value.isNull()) {
                return "nothing";
            }
            return value.getNodeType().name().toLowerCase(Locale.ROOT) + " " + value;
        }
    }
}
