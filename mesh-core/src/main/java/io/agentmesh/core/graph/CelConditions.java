package io.agentmesh.core.graph;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The CEL environment of edge conditions: {@code output} (dyn), {@code state} (map of string to
 * dyn), {@code run} (map with id, hops, attempt), the standard macros, a boolean result.
 */
final class CelConditions {

  private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
      .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
      .addVar("output", SimpleType.DYN)
      .addVar("state", MapType.create(SimpleType.STRING, SimpleType.DYN))
      .addVar("run", MapType.create(SimpleType.STRING, SimpleType.DYN))
      .setResultType(SimpleType.BOOL)
      .build();

  private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

  private CelConditions() {}

  /** Either a condition or the compiler's issues as one line. */
  sealed interface Result permits Ok, Failed {
    default Condition orElseThrow(Function<String, RuntimeException> error) {
      return switch (this) {
        case Ok ok -> ok.condition();
        case Failed failed -> throw error.apply(failed.issues());
      };
    }
  }

  record Ok(Condition condition) implements Result {}

  record Failed(String issues) implements Result {}

  static Result compile(String expression) {
    CelValidationResult result = COMPILER.compile(expression);
    if (result.hasError()) {
      return new Failed(issues(result));
    }
    try {
      CelAbstractSyntaxTree ast = result.getAst();
      return new Ok(new Condition(expression, ast, RUNTIME.createProgram(ast)));
    } catch (CelValidationException | CelEvaluationException e) {
      return new Failed(e.getMessage());
    }
  }

  /** The compiler's issues of a failed compilation as one line, each with its column in the expression. */
  static String issues(CelValidationResult result) {
    List<String> issues = new ArrayList<>();
    result.getErrors().forEach(issue -> issues.add(
        issue.getMessage() + " (at column " + (issue.getSourceLocation().getColumn() + 1) + ")"));
    return String.join("; ", issues);
  }

  /**
   * Field paths selected from variable {@code variable}, e.g. {@code output.a.b} gives ["a", "b"].
   * Only the outermost chain of each selection is reported.
   */
  static List<List<String>> selections(Condition condition, String variable) {
    List<List<String>> out = new ArrayList<>();
    CelNavigableAst.fromAst(condition.ast()).getRoot().allNodes().forEach(nav -> {
      CelExpr expr = nav.expr();
      if (expr.getKind() != CelExpr.ExprKind.Kind.SELECT) {
        return;
      }
      boolean outermost = nav.parent()
          .map(p -> p.expr().getKind() != CelExpr.ExprKind.Kind.SELECT)
          .orElse(true);
      if (!outermost) {
        return;
      }
      List<String> path = new ArrayList<>();
      CelExpr current = expr;
      while (current.getKind() == CelExpr.ExprKind.Kind.SELECT) {
        path.addFirst(current.select().field());
        current = current.select().operand();
      }
      if (current.getKind() == CelExpr.ExprKind.Kind.IDENT && current.ident().name().equals(variable)) {
        out.add(path);
      }
    });
    return out;
  }
}
