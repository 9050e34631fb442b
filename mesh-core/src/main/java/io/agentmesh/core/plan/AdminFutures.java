package io.agentmesh.core.plan;

import io.agentmesh.core.MeshException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.RetriableException;

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

  /** A MeshException for a failed admin operation. */
  public static MeshException failure(String what, Throwable cause) {
    boolean retriable = cause instanceof RetriableException || cause instanceof TimeoutException;
    return new MeshException("could not " + what + ": " + cause.getClass().getSimpleName() + ": " + cause.getMessage(),
        cause, retriable);
  }
}
