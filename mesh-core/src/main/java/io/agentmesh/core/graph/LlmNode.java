package io.agentmesh.core.graph;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A node that calls a model: system prompt + rendered user prompt in, text or JSON out.
 *
 * @param name node name
 * @param role a short description of the agent's role (documentation, traces)
 * @param system the system prompt, absent for none
 * @param prompt the user prompt template; {@code {{input}}} when not written
 * @param model name of a model declared in the graph
 * @param tools names of tools declared in the graph that the model may call
 * @param output the output format
 * @param memory conversation memory kept across the node's calls in a run, empty for none
 * @param maxToolRounds the most model calls answered with tool results before the model must answer
 */
public record LlmNode(
    String name,
    Optional<String> role,
    Optional<Prompt> system,
    Prompt prompt,
    String model,
    List<String> tools,
    OutputSpec output,
    Optional<MemorySpec> memory,
    int maxToolRounds) implements Node {

  /** The user prompt used when a node declares none. */
  public static final String DEFAULT_PROMPT = "{{input}}";

  /** Tool rounds allowed when a node declares none. */
  public static final int DEFAULT_MAX_TOOL_ROUNDS = 5;

  public LlmNode {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(system, "system");
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(model, "model");
    tools = List.copyOf(tools);
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(memory, "memory");
  }

  /** A node without memory and with the default tool rounds. */
  public LlmNode(String name, Optional<String> role, Optional<Prompt> system, Prompt prompt, String model,
                 List<String> tools, OutputSpec output) {
    this(name, role, system, prompt, model, tools, output, Optional.empty(), DEFAULT_MAX_TOOL_ROUNDS);
  }

  @Override
  public NodeType type() {
    return NodeType.LLM;
  }

  /** A builder for an LLM node called {@code name} using model {@code model}. */
  public static Builder builder(String name, String model) {
    return new Builder(name, model);
  }

  /** Builds an {@link LlmNode}; defaults: no role, no system prompt, prompt {@code {{input}}}, text output. */
  public static final class Builder {
    private final String name;
    private final String model;
    private Optional<String> role = Optional.empty();
    private Optional<Prompt> system = Optional.empty();
    private Prompt prompt = Prompt.inline(DEFAULT_PROMPT);
    private List<String> tools = List.of();
    private OutputSpec output = OutputSpec.TEXT;
    private Optional<MemorySpec> memory = Optional.empty();
    private int maxToolRounds = DEFAULT_MAX_TOOL_ROUNDS;

    private Builder(String name, String model) {
      this.name = name;
      this.model = model;
    }

    /** Sets the role description. */
    public Builder role(String role) {
      this.role = Optional.of(role);
      return this;
    }

    /** Sets the system prompt. */
    public Builder system(Prompt system) {
      this.system = Optional.of(system);
      return this;
    }

    /** Sets an inline system prompt. */
    public Builder system(String system) {
      return system(Prompt.inline(system));
    }

    /** Sets an inline user prompt template. */
    public Builder prompt(String template) {
      this.prompt = Prompt.inline(template);
      return this;
    }

    /** Sets the user prompt template. */
    public Builder prompt(Prompt prompt) {
      this.prompt = prompt;
      return this;
    }

    /** Sets the tools the model may call. */
    public Builder tools(String... tools) {
      this.tools = List.of(tools);
      return this;
    }

    /** Sets the output format. */
    public Builder output(OutputSpec output) {
      this.output = output;
      return this;
    }

    /** Sets the conversation memory. */
    public Builder memory(MemorySpec memory) {
      this.memory = Optional.of(memory);
      return this;
    }

    /** Sets the most tool rounds. */
    public Builder maxToolRounds(int rounds) {
      this.maxToolRounds = rounds;
      return this;
    }

    /** The node. */
    public LlmNode build() {
      return new LlmNode(name, role, system, prompt, model, tools, output, memory, maxToolRounds);
    }
  }
}
