package io.agentmesh.core.graph;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a YAML document into a Jackson tree while remembering the line and column of every member
 * (by path, e.g. {@code nodes.writer.model}, {@code edges[2]}) and reporting duplicate keys, which
 * Jackson's own tree reader would silently overwrite.
 */
final class YamlSource {

  private static final YAMLFactory YAML = new YAMLFactory();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  final Map<String, int[]> positions = new HashMap<>();
  final Problems problems;
  JsonNode root;

  private YamlSource(String file) {
    this.problems = new Problems(file, positions);
  }

  /** Parses {@code text}; syntax errors and duplicate keys land in {@link #problems}, root may then be null. */
  static YamlSource parse(String file, String text) {
    YamlSource source = new YamlSource(file);
    try (JsonParser parser = YAML.createParser(text)) {
      JsonToken first = parser.nextToken();
      source.root = first == null ? NODES.objectNode() : source.read(parser, "");
    } catch (JsonProcessingException e) {
      JsonLocation loc = e.getLocation();
      source.problems.addAt(loc == null ? 0 : loc.getLineNr(), loc == null ? 0 : loc.getColumnNr(),
          "invalid YAML: " + e.getOriginalMessage());
      source.root = null;
    } catch (IOException e) {
      source.problems.addAt(0, 0, "unreadable YAML: " + e.getMessage());
      source.root = null;
    }
    return source;
  }

  private JsonNode read(JsonParser p, String path) throws IOException {
    remember(path, p.currentTokenLocation());
    switch (p.currentToken()) {
      case START_OBJECT -> {
        ObjectNode object = NODES.objectNode();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          String child = path.isEmpty() ? name : path + "." + name;
          JsonLocation keyLocation = p.currentTokenLocation();
          p.nextToken();
          if (object.has(name)) {
            problems.addAt(keyLocation.getLineNr(), keyLocation.getColumnNr(),
                "duplicate key '" + name + "'" + (path.isEmpty() ? "" : " in " + path));
            read(p, child + "#duplicate");
            continue;
          }
          JsonNode value = read(p, child);
          remember(child, keyLocation);
          object.set(name, value);
        }
        return object;
      }
      case START_ARRAY -> {
        ArrayNode array = NODES.arrayNode();
        int i = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
          array.add(read(p, path + "[" + i++ + "]"));
        }
        return array;
      }
      case VALUE_STRING -> {
        return NODES.textNode(p.getText());
      }
      case VALUE_NUMBER_INT -> {
        return switch (p.getNumberType()) {
          case INT -> NODES.numberNode(p.getIntValue());
          case LONG -> NODES.numberNode(p.getLongValue());
          default -> NODES.numberNode(p.getBigIntegerValue());
        };
      }
      case VALUE_NUMBER_FLOAT -> {
        return NODES.numberNode(p.getDoubleValue());
      }
      case VALUE_TRUE, VALUE_FALSE -> {
        return NODES.booleanNode(p.getBooleanValue());
      }
      case VALUE_NULL -> {
        return NODES.nullNode();
      }
      default -> throw new IllegalStateException("unexpected YAML token " + p.currentToken() + " at " + path);
    }
  }

  private void remember(String path, JsonLocation location) {
    if (!path.isEmpty() && location != null) {
      positions.put(path, new int[] {location.getLineNr(), location.getColumnNr()});
    }
  }
}
