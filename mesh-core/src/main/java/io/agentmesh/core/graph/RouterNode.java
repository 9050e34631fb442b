package io.agentmesh.core.graph;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A node that only chooses where a run goes next; it forwards its input unchanged.
 *
 * <p>Without a classifier the router's outgoing edges decide with CEL conditions over its input
 * (seen as {@code output}). With a classifier, a model first picks one of {@code labels} and the
 * edge conditions see {@code output} as the object {@code {<field>: <label>}}.
 *
 * @param name node name
 * @param classifier the model-based classifier, absent for a pure CEL router
 */
public record RouterNode(String name, Optional<Classifier> classifier) implements Node {

  public RouterNode {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(classifier, "classifier");
  }

  /** A router whose edges decide by CEL conditions over its input. */
  public static RouterNode cel(String name) {
    return new RouterNode(name, Optional.empty());
  }

  /** A router that asks {@code model} to pick one of {@code labels}, exposed as {@code output.<field>}. */
  public static RouterNode classifier(String name, String model, String field, List<String> labels) {
    return new RouterNode(name, Optional.of(new Classifier(model, labels, field, Optional.empty())));
  }

  @Override
  public NodeType type() {
    return NodeType.ROUTER;
  }

  /**
   * Model-based classification.
   *
   * @param model name of a model declared in the graph
   * @param labels the labels the model must choose from
   * @param field the field of {@code output} that holds the label in edge conditions
   * @param prompt extra instructions for the classifier, absent for the built-in prompt
   */
  public record Classifier(String model, List<String> labels, String field, Optional<Prompt> prompt) {

    /** The field name used when none is written. */
    public static final String DEFAULT_FIELD = "label";

    public Classifier {
      Objects.requireNonNull(model, "model");
      labels = List.copyOf(labels);
      Objects.requireNonNull(field, "field");
      Objects.requireNonNull(prompt, "prompt");
    }
  }
}
