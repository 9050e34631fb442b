package io.agentmesh.core.graph;

import com.google.common.primitives.UnsignedLong;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.values.CelByteString;
import dev.cel.common.values.NullValue;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.agentmesh.core.MeshException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A compiled CEL reducer of a join ({@code reducer: {cel: ...}}): its value is the join's output.
 *
 * <p>The expression sees {@code branches} (the arrived branches in branch-index order, each a map
 * {@code {id, index, output}}), {@code outputs} (the same outputs alone) and {@code state} (the run
 * state map), with the standard macros and the strings, math and lists extensions (e.g.
 * {@code outputs.join("\n")}, {@code math.greatest(outputs.map(o, o.score))}, {@code .sort()}).
 * It is compiled and type-checked once at graph load ({@link GraphLoader}, {@link GraphBuilder}), so
 * a syntax error or an unknown variable is a load-time error; evaluation only runs the kept
 * program. CEL has no side effects, so a reducer is deterministic as a join re-run requires.
 * Equality is by expression text.
 */
public final class CelReducer {

  /** Variables a reducer may use. */
  public static final java.util.Set<String> VARIABLES = java.util.Set.of("branches", "outputs", "state");

  private static final CelOptions OPTIONS = CelOptions.current().build();

  private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
      .setOptions(OPTIONS)
      .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
      .addLibraries(CelExtensions.strings(), CelExtensions.math(OPTIONS), CelExtensions.lists())
      .addVar("branches", ListType.create(MapType.create(SimpleType.STRING, SimpleType.DYN)))
      .addVar("outputs", ListType.create(SimpleType.DYN))
      .addVar("state", MapType.create(SimpleType.STRING, SimpleType.DYN))
      .setResultType(SimpleType.DYN)
      .build();

  private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder()
      .setOptions(OPTIONS)
      .addLibraries(CelExtensions.strings(), CelExtensions.math(OPTIONS), CelExtensions.lists())
      .build();

  private final String expression;
  private final CelRuntime.Program program;
  private final boolean readsState;

  private CelReducer(String expression, CelAbstractSyntaxTree ast, CelRuntime.Program program) {
    this.expression = expression;
    this.program = program;
    this.readsState = CelNavigableAst.fromAst(ast).getRoot().allNodes().anyMatch(nav ->
        nav.expr().getKind() == CelExpr.ExprKind.Kind.IDENT && nav.expr().ident().name().equals("state"));
  }

  /** Compiles a stand-alone reducer, failing with the CEL compiler's message. */
  public static CelReducer compile(String expression) {
    return switch (tryCompile(expression)) {
      case Ok ok -> ok.reducer();
      case Failed failed -> throw new GraphValidationException(List.of(
          ValidationError.of("<expression>", "invalid reducer '" + expression + "': " + failed.issues())));
    };
  }

  /** Either a reducer or the compiler's issues as one line. */
  sealed interface Result permits Ok, Failed {}

  record Ok(CelReducer reducer) implements Result {}

  record Failed(String issues) implements Result {}

  static Result tryCompile(String expression) {
    Objects.requireNonNull(expression, "expression");
    CelValidationResult result = COMPILER.compile(expression);
    if (result.hasError()) {
      return new Failed(CelConditions.issues(result));
    }
    try {
      CelAbstractSyntaxTree ast = result.getAst();
      return new Ok(new CelReducer(expression, ast, RUNTIME.createProgram(ast)));
    } catch (CelValidationException | CelEvaluationException e) {
      return new Failed(e.getMessage());
    }
  }

  /** The CEL source text. */
  public String expression() {
    return expression;
  }

  /** Whether the expression reads {@code state}, so a runtime can skip loading the run state when not. */
  public boolean readsState() {
    return readsState;
  }

  /**
   * Evaluates the reducer.
   *
   * @param branches the arrived branches in branch-index order; outputs as parsed JSON (maps, lists,
   *     numbers, strings) or a {@link com.fasterxml.jackson.databind.JsonNode}, text as a string
   * @param state the run state
   * @return the value as plain Java (map, list, string, long, double, boolean or null), ready for a
   *     JSON writer; a string means text output
   * @throws ReducerException when evaluation fails (missing field, wrong type) or gives a value with
   *     no JSON form
   */
  public Object reduce(List<JoinReducer.Branch> branches, Map<String, ?> state) {
    Objects.requireNonNull(branches, "branches");
    Objects.requireNonNull(state, "state");
    List<Object> celBranches = new ArrayList<>(branches.size());
    List<Object> outputs = new ArrayList<>(branches.size());
    for (JoinReducer.Branch b : branches) {
      Object output = CelValues.of(b.output());
      outputs.add(output);
      Map<String, Object> branch = new LinkedHashMap<>();
      branch.put("id", b.id());
      branch.put("index", (long) b.index());
      branch.put("output", output);
      celBranches.add(branch);
    }
    Object result;
    try {
      result = program.eval(Map.of("branches", celBranches, "outputs", outputs, "state", CelValues.of(state)));
    } catch (CelEvaluationException e) {
      throw new ReducerException("reducer '" + expression + "' failed: " + e.getMessage(), e);
    }
    return plain(result);
  }

  private Object plain(Object value) {
    return switch (value) {
      case null -> null;
      case NullValue ignored -> null;
      case String s -> s;
      case Boolean b -> b;
      case Long l -> l;
      case Double d -> d;
      case UnsignedLong u -> u.bigIntegerValue();
      case CelByteString bytes -> bytes.toByteArray();
      case Map<?, ?> map -> {
        Map<String, Object> out = new LinkedHashMap<>();
        map.forEach((k, v) -> out.put(String.valueOf(plain(k)), plain(v)));
        yield out;
      }
      case Collection<?> list -> {
        List<Object> out = new ArrayList<>(list.size());
        list.forEach(v -> out.add(plain(v)));
        yield out;
      }
      default -> throw new ReducerException("reducer '" + expression + "' gave a " + value.getClass().getSimpleName()
          + " (" + value + "), which has no JSON form; convert it, e.g. with string()", null);
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CelReducer other && other.expression.equals(expression);
  }

  @Override
  public int hashCode() {
    return expression.hashCode();
  }

  @Override
  public String toString() {
    return expression;
  }

  /** A reducer that could not be evaluated for the arrived branches; the join fails the run. */
  public static final class ReducerException extends MeshException {
    ReducerException(String message, Throwable cause) {
      super(message, cause, false);
    }
  }
}
