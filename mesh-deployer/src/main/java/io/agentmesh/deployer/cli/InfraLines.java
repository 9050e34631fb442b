package io.agentmesh.deployer.cli;

import io.agentmesh.infra.LocalInfra;
import java.util.List;

/** The {@code NAME ADDRESS} lines that tell a user where each local service listens. */
final class InfraLines {

  private InfraLines() {}

  static List<String> of(LocalInfra infra) {
    return List.of(
        "kafka localhost:" + infra.kafka().port(),
        "redis redis://localhost:" + infra.redis().port(),
        "model http://localhost:" + infra.simulator().port() + "/v1");
  }
}
