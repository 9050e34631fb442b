package io.agentmesh.core.plan;

import io.agentmesh.core.MeshException;
import java.time.Duration;
import java.util.Collection;
import org.apache.kafka.clients.admin.Admin;
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
      return await(admin.describeTopics(topics).allTopicNames(), timeout, "describe topics " + topics)
          .values().stream()
          .flatMap(description -> description.partitions().stream())
          .allMatch(partition -> partition.leader() != null && !partition.leader().isEmpty());
    } catch (MeshException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return false; // the broker has not seen the new topic yet
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
