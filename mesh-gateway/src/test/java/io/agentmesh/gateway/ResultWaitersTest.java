package io.agentmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ResultWaitersTest {

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void aBatchCompletesItsWaitsOnlyWhenDispatchedEachOnItsOwnContext() throws Exception {
    ResultWaiters waiters = new ResultWaiters(10);
    Context first = vertx.getOrCreateContext();
    Context second = vertx.getOrCreateContext();
    ResultWaiters.Waiter a = waiters.await("run-a", first);
    ResultWaiters.Waiter b = waiters.await("run-b", second);
    ResultWaiters.Waiter alsoA = waiters.await("run-a", second);
    ResultWaiters.Waiter c = waiters.await("run-c", first);
    List<Context> completedOn = new CopyOnWriteArrayList<>();
    a.future().onComplete(r -> completedOn.add(Vertx.currentContext()));
    b.future().onComplete(r -> completedOn.add(Vertx.currentContext()));

    ResultWaiters.Completions batch = waiters.completions();
    batch.add("run-a", Buffer.buffer("{\"a\":1}"));
    batch.add("run-b", Buffer.buffer("{\"b\":2}"));
    batch.add("run-unknown", Buffer.buffer("{}"));

    assertThat(waiters.waiting()).as("taken out of the waits at once").isEqualTo(1);
    assertThat(a.future().isComplete()).as("not before dispatch").isFalse();
    batch.dispatch();

    assertThat(a.future().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS).toString()).isEqualTo("{\"a\":1}");
    assertThat(alsoA.future().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS).toString()).isEqualTo("{\"a\":1}");
    assertThat(b.future().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS).toString()).isEqualTo("{\"b\":2}");
    assertThat(completedOn).containsExactlyInAnyOrder(first, second);
    assertThat(c.future().isComplete()).isFalse();
    assertThat(waiters.waiting()).isEqualTo(1);
  }
}
