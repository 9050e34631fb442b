package io.agentmesh.deployer.k8s;

import java.util.Objects;

/**
 * Settings of the Kubernetes target that the graph and spec do not say.
 *
 * @param image the mesh image (entrypoint {@code mesh}) run by agents, gateway and registry
 * @param kafkaCluster the Strimzi {@code Kafka} cluster name (label {@code strimzi.io/cluster})
 * @param kafkaBootstrap bootstrap servers the pods use
 * @param kafkaPort the broker port the NetworkPolicy opens
 * @param securityProtocol Kafka security protocol of the clients (SASL with SCRAM-SHA-512)
 * @param redisSecret the Secret holding the Redis URI
 * @param redisSecretKey the key of the Redis URI in that Secret
 * @param modelKeysSecret the Secret holding model API keys, one key per {@code apiKeyEnv} name
 * @param strimziApiVersion apiVersion of KafkaTopic and KafkaUser
 */
public record K8sOptions(
    String image,
    String kafkaCluster,
    String kafkaBootstrap,
    int kafkaPort,
    String securityProtocol,
    String redisSecret,
    String redisSecretKey,
    String modelKeysSecret,
    String strimziApiVersion) {

  /** The image used when none is given. */
  public static final String DEFAULT_IMAGE = "agentmesh/mesh:0.1.0";
  /** Port of every model server's Service ({@code model-<name>}). */
  public static final int MODEL_PORT = 8000;
  /** Port of the registry's Service. */
  public static final int REGISTRY_PORT = 8081;
  /** Port of the gateway's Service. */
  public static final int GATEWAY_PORT = 8080;
  /** Port of Redis. */
  public static final int REDIS_PORT = 6379;

  public K8sOptions {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(kafkaCluster, "kafkaCluster");
    Objects.requireNonNull(kafkaBootstrap, "kafkaBootstrap");
    Objects.requireNonNull(securityProtocol, "securityProtocol");
    Objects.requireNonNull(redisSecret, "redisSecret");
    Objects.requireNonNull(redisSecretKey, "redisSecretKey");
    Objects.requireNonNull(modelKeysSecret, "modelKeysSecret");
    Objects.requireNonNull(strimziApiVersion, "strimziApiVersion");
    if (kafkaPort < 1 || kafkaPort > 65535) {
      throw new IllegalArgumentException("kafkaPort must be 1..65535, got " + kafkaPort);
    }
  }

  /** Strimzi cluster {@code mesh}, its SCRAM listener on 9092, Secret {@code mesh-redis} key {@code uri}. */
  public static K8sOptions defaults() {
    return new K8sOptions(DEFAULT_IMAGE, "mesh", "mesh-kafka-bootstrap:9092", 9092, "SASL_PLAINTEXT",
        "mesh-redis", "uri", "mesh-model-keys", "kafka.strimzi.io/v1beta2");
  }

  /** A copy with another image. */
  public K8sOptions withImage(String image) {
    return new K8sOptions(image, kafkaCluster, kafkaBootstrap, kafkaPort, securityProtocol, redisSecret, redisSecretKey,
        modelKeysSecret, strimziApiVersion);
  }
}
