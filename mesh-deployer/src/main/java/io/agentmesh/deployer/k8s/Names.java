package io.agentmesh.deployer.k8s;

import java.util.Locale;

/** Kubernetes object names made from mesh names (which allow upper case and '_'). */
final class Names {

  private Names() {}

  /** A DNS-1123 subdomain: lowercase, '_' and other characters become '-', dots kept, leading '-' trimmed. */
  static String resource(String name) {
    String out = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-").replaceAll("^[-.]+|[-.]+$", "");
    if (out.isEmpty() || out.length() > 253) {
      throw new IllegalArgumentException("cannot make a Kubernetes name of '" + name + "'");
    }
    return out;
  }

  /** A DNS-1123 label (Services, containers, label values): no dots, at most 63 characters. */
  static String label(String name) {
    String out = resource(name).replace('.', '-');
    if (out.length() > 63) {
      throw new IllegalArgumentException("'" + name + "' makes a Kubernetes name longer than 63 characters: " + out);
    }
    return out;
  }

  /** An environment variable name: upper case, other characters become '_'. */
  static String env(String name) {
    return name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
  }
}
