package io.agentmesh.core.graph;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agentmesh.core.wire.JsonMappers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Placeholder scanning and rendering for {@link Prompt}. */
final class Templates {

  static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([^}]*?)\\s*}}");
  static final Pattern VALID = Pattern.compile("input(\\.[A-Za-z_][A-Za-z0-9_]*)*|state\\.[A-Za-z_][A-Za-z0-9_]*|run\\.id");

  private static final ObjectMapper JSON = JsonMappers.create();

  private Templates() {}

  static List<String> placeholders(String template) {
    List<String> out = new ArrayList<>();
    Matcher m = PLACEHOLDER.matcher(template);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  static String render(String template, String inputText, Map<String, ?> state, String runId) {
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    JsonNode[] parsed = new JsonNode[1];
    while (m.find()) {
      String name = m.group(1);
      String value;
      if (name.equals("input")) {
        value = inputText;
      } else if (name.startsWith("input.")) {
        value = inputField(inputText, name.substring("input.".length()), parsed);
      } else if (name.startsWith("state.")) {
        Object v = state.get(name.substring("state.".length()));
        value = v == null ? "" : String.valueOf(v);
      } else if (name.equals("run.id")) {
        value = runId;
      } else {
        value = "";
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value == null ? "" : value));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static String inputField(String inputText, String path, JsonNode[] parsed) {
    if (parsed[0] == null) {
      try {
        parsed[0] = JSON.readTree(inputText);
      } catch (Exception e) {
        parsed[0] = JSON.missingNode();
      }
    }
    JsonNode node = parsed[0];
    for (String part : path.split("\\.")) {
      node = node == null ? null : node.get(part);
    }
    if (node == null || node.isNull() || node.isMissingNode()) {
      return "";
    }
    if (node.isValueNode()) {
      return node.asText();
    }
    try {
      // the shared mapper's pooled buffers: JsonNode.toString() allocates them afresh on every virtual thread
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree could not be written", e);
    }
  }
}
