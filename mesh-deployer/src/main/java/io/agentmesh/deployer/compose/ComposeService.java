package io.agentmesh.deployer.compose;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * One service of a compose file; empty fields are left out of the YAML.
 *
 * @param image image
 * @param command arguments to the image's entrypoint
 * @param environment environment variables
 * @param ports published ports, {@code host:container}
 * @param volumes bind mounts, {@code source:target[:ro]}
 * @param dependsOn services to wait for, with the condition
 * @param restart restart policy
 * @param healthcheck health check, or null
 * @param deploy replicas and resources, or null
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"image", "command", "environment", "ports", "volumes", "depends_on", "restart", "healthcheck", "deploy"})
public record ComposeService(
    String image,
    List<String> command,
    Map<String, String> environment,
    List<String> ports,
    List<String> volumes,
    @JsonProperty("depends_on") Map<String, Map<String, String>> dependsOn,
    String restart,
    Healthcheck healthcheck,
    Deploy deploy) {

  /**
   * A health check run in the container.
   *
   * @param test the command, {@code ["CMD-SHELL", "..."]}
   * @param interval time between checks
   * @param retries failures before unhealthy
   */
  public record Healthcheck(List<String> test, String interval, int retries) {}

  /**
   * Compose's {@code deploy} section.
   *
   * @param replicas container count, or null for one
   * @param resources reservations, or null
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Deploy(Integer replicas, Resources resources) {}

  /**
   * Resources of a service.
   *
   * @param reservations what each container reserves
   */
  public record Resources(Reservations reservations) {}

  /**
   * Reserved CPU, memory and devices.
   *
   * @param cpus CPUs, e.g. {@code "0.5"}
   * @param memory memory, e.g. {@code "512M"}
   * @param devices GPU and other devices
   */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Reservations(String cpus, String memory, List<Device> devices) {}

  /**
   * A device reservation.
   *
   * @param driver e.g. {@code nvidia}
   * @param count how many
   * @param capabilities e.g. {@code [gpu]}
   */
  public record Device(String driver, int count, List<String> capabilities) {}
}
