package io.agentmesh.deployer.topology;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A Kafka principal the mesh manages: one per agent process, one for the gateway, one for the
 * Schema Registry.
 *
 * @param name user name ({@code mesh-<graph>-<process>}); also the Strimzi {@code KafkaUser} name,
 *     so it is a lowercase DNS-1123 name
 * @param kind what runs under it
 * @param process the process name (node name when not co-located); "gateway" or "registry" otherwise
 * @param nodes nodes running under it (empty for the gateway and the registry), as their graph names them
 * @param graph the graph whose nodes run under it: the deployed graph, or one of its sub-graphs
 */
public record MeshPrincipal(String name, Kind kind, String process, List<String> nodes, String graph) {

  private static final Pattern DNS_1123 = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");

  /** What runs under a principal. */
  public enum Kind { AGENT, GATEWAY, REGISTRY }

  public MeshPrincipal {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(process, "process");
    nodes = List.copyOf(nodes);
    Objects.requireNonNull(graph, "graph");
    if (!DNS_1123.matcher(name).matches() || name.length() > 253) {
      throw new IllegalArgumentException("principal name '" + name + "' is not a lowercase DNS-1123 name");
    }
  }

  /** The principal as Kafka's ACLs name it: {@code User:<name>}. */
  public String principal() {
    return "User:" + name;
  }

  /** {@code value} lowercased with every character outside {@code [a-z0-9-]} replaced by '-'. */
  public static String kubernetesName(String value) {
    return value.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
  }
}
