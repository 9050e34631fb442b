package io.agentmesh.load;

import io.agentmesh.core.graph.DeploymentSpec;
import java.util.List;

/**
 * Settings of one benchmark session (see {@link BenchMain} for their flags and defaults).
 *
 * @param warmupSeconds load before measuring, per benchmark (and per rate)
 * @param durationSeconds the measurement window
 * @param rawRate messages per second of the raw Kafka reference
 * @param hopRate runs per second of the hop-overhead benchmark
 * @param rawAlongsideRate messages per second of a raw Kafka probe run beside the hop benchmark's load, 0 for none
 * @param inFlightRates runs per second of the in-flight benchmark, one after another
 * @param maxInFlight the in-flight limit of the in-flight benchmark's node replica
 * @param concurrencies runs outstanding in the direct-vs-mesh benchmark, each way; one row each
 * @param modelLatencies the direct-vs-mesh benchmark's model latencies in ms; one row each
 * @param payloadBytes size of a raw record and of a task's JSON
 * @param delivery the deployed graphs' delivery guarantee, as deploy.yaml spells it (D-020)
 */
record BenchOptions(int warmupSeconds, int durationSeconds, int rawRate, int hopRate, int rawAlongsideRate,
                    List<Integer> inFlightRates, int maxInFlight, List<Integer> concurrencies, List<Integer> modelLatencies,
                    int payloadBytes, String delivery) {

  BenchOptions {
    require("warm-up", warmupSeconds, 0, 600);
    require("duration", durationSeconds, 1, 600);
    require("raw-rate", rawRate, 1, 100_000);
    require("hop-rate", hopRate, 1, 100_000);
    require("raw-alongside-rate", rawAlongsideRate, 0, 100_000);
    inFlightRates = List.copyOf(inFlightRates);
    inFlightRates.forEach(rate -> require("inflight-rates", rate, 1, 100_000));
    require("max-in-flight", maxInFlight, 1, 100_000);
    concurrencies = List.copyOf(concurrencies);
    concurrencies.forEach(value -> require("concurrency", value, 1, 10_000));
    modelLatencies = List.copyOf(modelLatencies);
    modelLatencies.forEach(value -> require("model-latencies", value, 0, 60_000));
    require("payload-bytes", payloadBytes, 16, 1_000_000);
    if (DeploymentSpec.Delivery.fromYaml(delivery).isEmpty()) {
      throw new IllegalArgumentException("--delivery must be exactly-once or at-least-once, got '" + delivery + "'");
    }
  }

  private static void require(String option, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException("--" + option + " must be in [" + min + ", " + max + "], got " + value);
    }
  }
}
