package io.agentmesh.core.plan;

import io.agentmesh.core.MeshException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.LeaderNotAvailableException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** Waiting on AdminClient futures with a timeout, failing with a {@link MeshException} that says what was being done. */
public final class AdminFutures {

  private AdminFutures() {}

  /** The future's value, or a MeshException naming {@code what} (retriable for timeouts and retriable Kafka errors). */
  public static <T> T await(KafkaFuture<T> future, Duration timeout, String what) {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw failure(what, e.getCause());
    } catch (TimeoutException e) {
      throw failure(what, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure(what, e);
    }
  }

  /**
   * Waits until every partition of the topics has a leader. Creating a topic returns once the
   * controller committed it, a moment before the broker takes leadership; a produce in that moment
   * gets NOT_LEADER_OR_FOLLOWER, and on a loaded machine an idempotent producer's retry of its first
   * batch can then fail with OUT_OF_ORDER_SEQUENCE_NUMBER, which is fatal to a transactional one.
   */
  public static void awaitLeaders(Admin admin, Collection<String> topics, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (led(admin, topics, timeout)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new MeshException("partitions of " + topics + " have no leader after " + timeout.toSeconds() + " s", null, true);
      }
      Thread.onSpinWait();
    }
  }

  private static boolean led(Admin admin, Collection<String> topics, Duration timeout) {
    try {
      Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
      for (TopicDescription description : await(admin.describeTopics(topics).allTopicNames(), timeout,
          "describe topics " + topics).values()) {
        for (TopicPartitionInfo partition : description.partitions()) {
          if (partition.leader() == null || partition.leader().isEmpty()) {
            return false;
          }
          partitions.put(new TopicPartition(description.name(), partition.partition()), OffsetSpec.latest());
        }
      }
      // the metadata names a leader a moment before that broker serves the partition; asking it for
      // the end offset succeeds only once it does
      await(admin.listOffsets(partitions).all(), timeout, "list offsets of " + topics);
      return true;
    } catch (MeshException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException || e.getCause() instanceof NotLeaderOrFollowerException
          || e.getCause() instanceof LeaderNotAvailableException) {
        return false; // not served yet
      }
      throw e;
    }
  }

  /** A MeshException for a failed admin operation. */
  public static MeshException failure(String what, Throwable cause) {
    boolean retriable = cause instanceof RetriableException || cause instanceof TimeoutException;
    return new MeshException("could not " + what + ": " + cause.getClass().getSimpleName() + ": " + cause.getMessage(),
        cause, retriable);
  }
}
