package io.agentmesh.agents.runtime;

import io.agentmesh.core.graph.Graph;
import io.agentmesh.core.graph.JoinNode;
import io.agentmesh.core.plan.Plan;
import io.agentmesh.core.state.MeshRedis;
import io.agentmesh.core.wire.TopicNames;
import io.agentmesh.schemas.serde.WireCodec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.TopicNameExtractor;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica of a join node: a Kafka Streams application whose application id is the join's
 * consumer group, reading the join's inbound edge topics into a {@link JoinProcessor} with a
 * changelogged RocksDB store, writing to any outbound, results, events or retry topic through one
 * sink (the topic rides with each record). {@code processing.guarantee=exactly_once_v2}: the store
 * update, the emitted hops and the input offsets commit together, so a join killed mid-join
 * resumes from its changelog and completes each fan-out once.
 */
public final class JoinApp implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(JoinApp.class);

  private final KafkaStreams streams;
  private final String name;

  private JoinApp(KafkaStreams streams, String name) {
    this.streams = streams;
    this.name = name;
  }

  static JoinApp start(Graph graph, JoinNode join, Plan.GroupPlan group, TopicNames topics, WireCodec codec, MeshRedis redis,
                       RuntimeMetrics metrics, String bootstrap, String clientId, Path stateDir) {
    HopHandler handler = new HopHandler(graph, join.name(), topics, codec, redis, new JoinExecutor(), metrics, Clock.systemUTC());
    Topology topology = new Topology();
    topology.addSource("branches", new ByteArrayDeserializer(), new ByteArrayDeserializer(), group.inbound().toArray(String[]::new));
    topology.addProcessor("join", () -> new JoinProcessor(join, new JoinMerger(join, graph.celReducer(join.name())), topics, codec,
        redis, handler, Clock.systemUTC()), "branches");
    Serde<String> keys = Serdes.String();
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(JoinProcessor.STORE), keys, Serdes.ByteArray()),
        "join");
    TopicNameExtractor<byte[], JoinProcessor.Outgoing> topicOf = (key, value, context) -> value.topic();
    Serializer<JoinProcessor.Outgoing> values = (topic, value) -> value.value();
    topology.addSink("out", topicOf, new ByteArraySerializer(), values, "join");

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, group.groupId());
    props.put(StreamsConfig.CLIENT_ID_CONFIG, clientId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve(clientId).toAbsolutePath().toString());
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // a killed replica's tasks move after 10 s, not 45 (D-004)
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 1_000);
    KafkaStreams streams = new KafkaStreams(topology, props);
    streams.setUncaughtExceptionHandler(error -> {
      LOG.error("join {}: stream thread failed; replacing it (its task resumes from the last commit)", join.name(), error);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    streams.start();
    LOG.info("join {}: Kafka Streams app {} consuming {} (state in {})", join.name(), group.groupId(), group.inbound(), stateDir);
    return new JoinApp(streams, join.name());
  }

  /** The Streams state (RUNNING once it owns its tasks). */
  public KafkaStreams.State state() {
    return streams.state();
  }

  /** Stops the app, committing what it processed. */
  @Override
  public void close() {
    streams.close(Duration.ofSeconds(30));
    LOG.info("join {}: stopped", name);
  }
}
