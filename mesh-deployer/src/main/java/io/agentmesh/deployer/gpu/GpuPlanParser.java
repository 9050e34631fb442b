package io.agentmesh.deployer.gpu;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Reads model servers and a GPU inventory from YAML (format in docs/gpu-placement.md).
 *
 * <p>A document may hold a {@code models:} list, a {@code nodes:} list, or both. Every error names
 * the source and the path of the field ({@code models.yaml: models[1].weights.dtype: ...});
 * unknown fields are errors, so a misspelt setting is never silently ignored.
 */
public final class GpuPlanParser {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private static final Set<String> ROOT_FIELDS = Set.of("models", "nodes");
  private static final Set<String> MODEL_FIELDS = Set.of("name", "model", "weights", "kvCacheGiB", "tensorParallel",
      "replicas", "gpuTypes", "maxModelLen", "gpuMemoryUtilization", "image", "servedModelName");
  private static final Set<String> WEIGHT_FIELDS = Set.of("sizeGiB", "parameters", "dtype");
  private static final Set<String> NODE_FIELDS = Set.of("name", "gpuType", "gpus", "memoryGiB");

  private GpuPlanParser() {}

  /** Parses one file holding {@code models:} and {@code nodes:}. */
  public static GpuPlan parse(Path file) {
    return parse(read(file), file.toString());
  }

  /** Parses models from one file and the inventory from another (each may hold only its own section). */
  public static GpuPlan parse(Path modelsFile, Path inventoryFile) {
    JsonNode models = read(modelsFile);
    JsonNode inventory = read(inventoryFile);
    requireOnly(models, Set.of("models"), modelsFile.toString(), "");
    requireOnly(inventory, Set.of("nodes"), inventoryFile.toString(), "");
    return plan(parseModels(models.path("models"), modelsFile.toString(), "models"),
        parseNodes(inventory.path("nodes"), inventoryFile.toString(), "nodes"), modelsFile.toString());
  }

  /** Parses an already read document (a whole file, or a section of deploy.yaml) named {@code source} in errors. */
  public static GpuPlan parse(JsonNode root, String source) {
    requireOnly(root, ROOT_FIELDS, source, "");
    return plan(parseModels(root.path("models"), source, "models"),
        parseNodes(root.path("nodes"), source, "nodes"), source);
  }

  /** Parses a list of model servers found at {@code path} (for errors) in {@code source}. */
  public static List<ModelSpec> parseModels(JsonNode list, String source, String path) {
    List<ModelSpec> models = new ArrayList<>();
    for (int i = 0; i < requireList(list, source, path).size(); i++) {
      models.add(parseModel(list.get(i), source, path + "[" + i + "]"));
    }
    return models;
  }

  /** Parses a GPU inventory (a list of nodes) found at {@code path} (for errors) in {@code source}. */
  public static List<GpuNode> parseNodes(JsonNode list, String source, String path) {
    List<GpuNode> nodes = new ArrayList<>();
    for (int i = 0; i < requireList(list, source, path).size(); i++) {
      JsonNode node = list.get(i);
      String at = path + "[" + i + "]";
      requireOnly(node, NODE_FIELDS, source, at);
      try {
        nodes.add(new GpuNode(text(node, "name", source, at), text(node, "gpuType", source, at),
            integer(node, "gpus", source, at), number(node, "memoryGiB", source, at)));
      } catch (IllegalArgumentException e) {
        throw new GpuPlanException(source + ": " + at + ": " + e.getMessage(), e);
      }
    }
    return nodes;
  }

  private static ModelSpec parseModel(JsonNode node, String source, String at) {
    requireOnly(node, MODEL_FIELDS, source, at);
    try {
      return new ModelSpec(
          text(node, "name", source, at),
          optionalText(node, "model", source, at),
          weightsGiB(node, source, at),
          number(node, "kvCacheGiB", source, at),
          node.has("tensorParallel") ? integer(node, "tensorParallel", source, at) : 1,
          node.has("replicas") ? integer(node, "replicas", source, at) : 1,
          gpuTypes(node, source, at),
          integer(node, "maxModelLen", source, at),
          node.has("gpuMemoryUtilization") ? number(node, "gpuMemoryUtilization", source, at)
              : ModelSpec.DEFAULT_GPU_MEMORY_UTILIZATION,
          optionalText(node, "image", source, at),
          optionalText(node, "servedModelName", source, at));
    } catch (IllegalArgumentException e) {
      throw new GpuPlanException(source + ": " + at + ": " + e.getMessage(), e);
    }
  }

  private static double weightsGiB(JsonNode model, String source, String at) {
    String path = at + ".weights";
    JsonNode weights = model.get("weights");
    if (weights == null || weights.isNull()) {
      throw new GpuPlanException(source + ": " + at + ": missing field 'weights' ({sizeGiB} or {parameters, dtype})");
    }
    requireOnly(weights, WEIGHT_FIELDS, source, path);
    boolean bySize = weights.has("sizeGiB");
    boolean byParameters = weights.has("parameters") || weights.has("dtype");
    if (bySize == byParameters) {
      throw new GpuPlanException(source + ": " + path + ": give either sizeGiB, or parameters and dtype");
    }
    if (bySize) {
      return number(weights, "sizeGiB", source, path);
    }
    String dtype = text(weights, "dtype", source, path);
    Dtype type;
    try {
      type = Dtype.valueOf(dtype.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new GpuPlanException(source + ": " + path + ".dtype: unknown value '" + dtype + "' (expected one of "
          + Arrays.stream(Dtype.values()).map(Dtype::yamlName).collect(Collectors.joining(", ")) + ")");
    }
    return type.weightsGiB(number(weights, "parameters", source, path));
  }

  private static List<String> gpuTypes(JsonNode model, String source, String at) {
    JsonNode types = model.get("gpuTypes");
    if (types == null || types.isNull()) {
      return List.of();
    }
    String path = at + ".gpuTypes";
    List<String> result = new ArrayList<>();
    for (int i = 0; i < requireList(types, source, path).size(); i++) {
      JsonNode type = types.get(i);
      if (!type.isTextual() || type.asText().isBlank()) {
        throw new GpuPlanException(source + ": " + path + "[" + i + "]: expected a GPU type name, got " + type);
      }
      result.add(type.asText());
    }
    return result;
  }

  private static GpuPlan plan(List<ModelSpec> models, List<GpuNode> nodes, String source) {
    try {
      return new GpuPlan(models, nodes);
    } catch (IllegalArgumentException e) {
      throw new GpuPlanException(source + ": " + e.getMessage(), e);
    }
  }

  private static JsonNode read(Path file) {
    try {
      JsonNode root = YAML.readTree(file.toFile());
      return root == null || root.isMissingNode() ? YAML.createObjectNode() : root;
    } catch (IOException e) {
      throw new GpuPlanException(file + ": cannot read GPU plan: " + e.getMessage(), e);
    }
  }

  private static void requireOnly(JsonNode node, Set<String> known, String source, String at) {
    String where = at.isEmpty() ? source : source + ": " + at;
    if (!node.isObject()) {
      throw new GpuPlanException(where + ": expected a mapping, got " + node.getNodeType().name().toLowerCase(Locale.ROOT));
    }
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!known.contains(name)) {
        throw new GpuPlanException(where + ": unknown field '" + name + "' (known: "
            + String.join(", ", new TreeSet<>(known)) + ")");
      }
    }
  }

  private static JsonNode requireList(JsonNode list, String source, String path) {
    if (list.isMissingNode() || list.isNull()) {
      return YAML.createArrayNode();
    }
    if (!list.isArray()) {
      throw new GpuPlanException(source + ": " + path + ": expected a list");
    }
    return list;
  }

  private static JsonNode required(JsonNode node, String field, String source, String at) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw new GpuPlanException(source + ": " + at + ": missing field '" + field + "'");
    }
    return value;
  }

  private static String text(JsonNode node, String field, String source, String at) {
    JsonNode value = required(node, field, source, at);
    if (!value.isValueNode() || value.isBoolean()) {
      throw new GpuPlanException(source + ": " + at + "." + field + ": expected text, got " + value);
    }
    return value.asText();
  }

  private static String optionalText(JsonNode node, String field, String source, String at) {
    return node.hasNonNull(field) ? text(node, field, source, at) : null;
  }

  private static double number(JsonNode node, String field, String source, String at) {
    JsonNode value = required(node, field, source, at);
    if (value.isNumber()) {
      return value.doubleValue();
    }
    if (value.isTextual()) { // YAML 1.1 reads "8e9" (no dot) as text
      try {
        return Double.parseDouble(value.asText().trim());
      } catch (NumberFormatException ignored) {
        // reported below
      }
    }
    throw new GpuPlanException(source + ": " + at + "." + field + ": expected a number, got " + value);
  }

  private static int integer(JsonNode node, String field, String source, String at) {
    JsonNode value = required(node, field, source, at);
    if (value.canConvertToInt() && value.isIntegralNumber()) {
      return value.intValue();
    }
    throw new GpuPlanException(source + ": " + at + "." + field + ": expected a whole number, got " + value);
  }
}
