package io.agentmesh.core.graph;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A prompt template: text with {@code {{input}}}, {@code {{input.field}}}, {@code {{state.key}}}
 * and {@code {{run.id}}} placeholders, written inline or read from a file at load time.
 *
 * @param template the template text (the file's content when {@code file} is present)
 * @param file the file the text was read from, relative to the graph file; absent when inline
 */
public record Prompt(String template, Optional<Path> file) {

  public Prompt {
    Objects.requireNonNull(template, "template");
    Objects.requireNonNull(file, "file");
  }

  /** An inline prompt. */
  public static Prompt inline(String template) {
    return new Prompt(template, Optional.empty());
  }

  /** The placeholders used by the template, in order of appearance, e.g. {@code input}, {@code state.topic}. */
  public java.util.List<String> placeholders() {
    return Templates.placeholders(template);
  }

  /**
   * Renders the template: {@code input} is replaced by {@code inputText}, {@code input.x} by the field
   * of the input parsed as a JSON object, {@code state.x} by the run-state entry, {@code run.id} by the
   * run id. A missing value renders as an empty string.
   */
  public String render(String inputText, java.util.Map<String, ?> state, String runId) {
    return Templates.render(template, inputText, state, runId);
  }
}
