package io.agentmesh.deployer.topology;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.acl.AclBinding;

/**
 * What a broker lacks, or has too much of, against a graph's topology.
 *
 * @param topicsToCreate topics that do not exist
 * @param topicsToGrow topics with fewer partitions than planned
 * @param aclsToAdd wanted bindings the broker lacks
 * @param aclsToRemove bindings of the mesh's own principals that are no longer wanted
 */
public record TopologyDiff(List<String> topicsToCreate, List<String> topicsToGrow, List<AclBinding> aclsToAdd,
    List<AclBinding> aclsToRemove) {

  public TopologyDiff {
    topicsToCreate = List.copyOf(topicsToCreate);
    topicsToGrow = List.copyOf(topicsToGrow);
    aclsToAdd = List.copyOf(aclsToAdd);
    aclsToRemove = List.copyOf(aclsToRemove);
  }

  /** Whether the broker already matches. */
  public boolean isEmpty() {
    return topicsToCreate.isEmpty() && topicsToGrow.isEmpty() && aclsToAdd.isEmpty() && aclsToRemove.isEmpty();
  }

  /** One line per change, {@code +} for additions and {@code -} for removals, for printing. */
  public List<String> lines() {
    List<String> out = new ArrayList<>();
    topicsToCreate.forEach(t -> out.add("+ topic " + t));
    topicsToGrow.forEach(t -> out.add("~ topic " + t + " (grow partitions)"));
    aclsToAdd.forEach(b -> out.add("+ acl " + describe(b)));
    aclsToRemove.forEach(b -> out.add("- acl " + describe(b)));
    return out;
  }

  /** A binding as one readable line: {@code User:x ALLOW READ TOPIC:LITERAL:name}. */
  public static String describe(AclBinding b) {
    return b.entry().principal() + " " + b.entry().permissionType() + " " + b.entry().operation() + " "
        + b.pattern().resourceType() + ":" + b.pattern().patternType() + ":" + b.pattern().name();
  }
}
