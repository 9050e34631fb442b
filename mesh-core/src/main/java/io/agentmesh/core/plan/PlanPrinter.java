package io.agentmesh.core.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Renders a {@link Plan} as plain-text tables (for people) or JSON (for tools). */
public final class PlanPrinter {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private PlanPrinter() {}

  /** The plan as pretty-printed JSON. */
  public static String json(Plan plan) {
    try {
      return JSON.writeValueAsString(plan);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a plan is always serialisable", e);
    }
  }

  /**
   * The plan as text: a header, then tables of topics, groups, models and processes, then warnings;
   * then the same for each sub-graph below it, headed by the nodes that run it.
   */
  public static String text(Plan plan) {
    StringBuilder out = new StringBuilder(graphText(plan));
    for (Plan child : plan.allPlans().subList(1, plan.allPlans().size())) {
      List<String> runBy = new ArrayList<>();
      plan.allPlans().forEach(p -> p.subGraphs().stream().filter(s -> s.plan().graph().equals(child.graph()))
          .forEach(s -> s.nodes().forEach(n -> runBy.add(p.graph() + "/" + n))));
      out.append("\nSUB-GRAPH ").append(child.graph()).append(" (run by ").append(String.join(", ", runBy))
          .append("; deploy.yaml names its nodes ").append(child.graph()).append(".<node>)\n");
      out.append(graphText(child));
    }
    return out.toString();
  }

  private static String graphText(Plan plan) {
    StringBuilder out = new StringBuilder();
    out.append("graph ").append(plan.graph());
    if (!plan.version().isEmpty()) {
      out.append(" (version ").append(plan.version()).append(')');
    }
    out.append(", topic prefix ").append(plan.topicPrefix()).append(", delivery ").append(plan.delivery().yamlName())
        .append("\n\n");
    out.append("TOPICS\n").append(table(List.of("TOPIC", "ROLE", "PARTITIONS", "REPLICATION", "CONFIG"), plan.topics(),
        t -> List.of(t.name(), t.role().name().toLowerCase(), Integer.toString(t.partitions()),
            Integer.toString(t.replicationFactor()), configText(t))));
    out.append("\nGROUPS\n").append(table(
        List.of("NODE", "TYPE", "GROUP", "REPLICAS", "IN-FLIGHT", "MODEL", "CONSUMES", "PRODUCES"), plan.groups(),
        g -> List.of(g.node(), g.type(), g.groupId(), Integer.toString(g.replicas()), Integer.toString(g.maxInFlight()),
            g.model().isEmpty() ? "-" : g.model(), String.join(" ", g.inbound()),
            String.join(" ", g.outbound().stream().map(PlanPrinter::outboundText).toList()))));
    if (!plan.models().isEmpty()) {
      out.append("\nMODELS\n").append(table(List.of("MODEL", "ENDPOINT", "ID", "FALLBACK", "USED BY"),
          List.copyOf(plan.models().values()),
          m -> List.of(m.name(), m.baseUrl(), m.modelId(), m.fallback().isEmpty() ? "-" : m.fallback(),
              m.usedBy().isEmpty() ? "-" : String.join(",", m.usedBy()))));
    }
    out.append("\nPROCESSES\n").append(table(List.of("PROCESS", "NODES"), plan.processes(),
        p -> List.of(p.name(), String.join(",", p.nodes()))));
    if (!plan.warnings().isEmpty()) {
      out.append("\nWARNINGS\n");
      plan.warnings().forEach(w -> out.append("  ").append(w).append('\n'));
    }
    return out.toString();
  }

  private static String outboundText(Plan.Outbound o) {
    String suffix = o.isDefault() ? " [default]" : o.condition().isEmpty() ? "" : " [when " + o.condition() + "]";
    return o.target() + suffix;
  }

  private static String configText(Plan.TopicPlan t) {
    List<String> parts = new ArrayList<>();
    t.config().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
        .forEach(e -> parts.add(e.getKey() + "=" + e.getValue()));
    return parts.isEmpty() ? "-" : String.join(",", parts);
  }

  private static <T> String table(List<String> header, List<T> rows, Function<T, List<String>> cells) {
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    rows.forEach(r -> all.add(cells.apply(r)));
    int[] widths = new int[header.size()];
    for (List<String> row : all) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(i == 0 ? "  " : "  ");
        line.append(i == row.size() - 1 ? row.get(i) : String.format("%-" + widths[i] + "s", row.get(i)));
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }
}
