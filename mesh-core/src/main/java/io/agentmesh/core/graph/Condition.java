package io.agentmesh.core.graph;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import io.agentmesh.core.MeshException;
import java.util.Map;
import java.util.Objects;

/**
 * A compiled CEL edge condition over {@code output}, {@code state} and {@code run}.
 *
 * <p>Compiled and type-checked once at graph load ({@link GraphLoader}, {@link GraphBuilder});
 * evaluation only runs the kept program. Equality is by expression text, so two graphs built from
 * the same source are equal.
 */
public final class Condition {

  private final String expression;
  private final CelAbstractSyntaxTree ast;
  private final CelRuntime.Program program;

  Condition(String expression, CelAbstractSyntaxTree ast, CelRuntime.Program program) {
    this.expression = expression;
    this.ast = ast;
    this.program = program;
  }

  /**
   * Compiles a stand-alone condition, failing with the CEL compiler's message. Field references on
   * {@code output} are not checked here (there is no node to check them against); graph loading does.
   */
  public static Condition compile(String expression) {
    return CelConditions.compile(expression).orElseThrow(issues ->
        new GraphValidationException(java.util.List.of(
            ValidationError.of("<expression>", "invalid condition '" + expression + "': " + issues))));
  }

  /** The CEL source text. */
  public String expression() {
    return expression;
  }

  CelAbstractSyntaxTree ast() {
    return ast;
  }

  /**
   * Evaluates the condition.
   *
   * @param output the node's output: a {@link com.fasterxml.jackson.databind.JsonNode}, a map/list of
   *     plain Java values (parsed JSON), or a string for text output
   * @param state the run state
   * @param run what is known about the run
   * @return the condition's value
   * @throws ConditionException when evaluation fails (missing field, wrong type) or is not a boolean
   */
  public boolean evaluate(Object output, Map<String, ?> state, RunInfo run) {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(run, "run");
    Object result;
    try {
      result = program.eval(Map.of(
          "output", CelValues.of(output),
          "state", CelValues.of(state),
          "run", run.asCel()));
    } catch (CelEvaluationException e) {
      throw new ConditionException("condition '" + expression + "' failed: " + e.getMessage(), e);
    }
    if (result instanceof Boolean b) {
      return b;
    }
    throw new ConditionException("condition '" + expression + "' gave "
        + (result == null ? "null" : result.getClass().getSimpleName() + " " + result) + ", not a boolean", null);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Condition other && other.expression.equals(expression);
  }

  @Override
  public int hashCode() {
    return expression.hashCode();
  }

  @Override
  public String toString() {
    return expression;
  }

  /** A condition that could not be evaluated for a given output; the run fails with reason NO_ROUTE or VALIDATION. */
  public static final class ConditionException extends MeshException {
    ConditionException(String message, Throwable cause) {
      super(message, cause, false);
    }
  }
}
