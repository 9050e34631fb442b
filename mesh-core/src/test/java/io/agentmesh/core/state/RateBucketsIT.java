package io.agentmesh.core.state;

import static io.agentmesh.core.state.RedisProbe.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agentmesh.core.state.RateBuckets.Take;
import io.agentmesh.infra.junit.MeshInfraTest;
import io.agentmesh.infra.junit.SharedInfra;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The rate-take script's arithmetic, on a real Redis, with the time passed in (no sleeps). */
@MeshInfraTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RateBucketsIT {

  private static final long SECOND = 1_000_000;
  private static final long T0 = 1_800_000_000L * SECOND;

  private final MeshRedis redis;
  private final RedisProbe probe;
  private final RateBuckets buckets;
  private final String caller;

  RateBucketsIT(SharedInfra infra) {
    this.redis = MeshRedis.connect(infra.redisUri());
    this.probe = new RedisProbe(infra.redisUri());
    this.buckets = RateBuckets.on(redis);
    this.caller = "key:" + infra.uniqueName("caller");
  }

  @AfterEach
  void close() {
    probe.close();
    redis.close();
  }

  @Test
  void allowsTheBurstThenOneRequestPerRefillWithTheExactWait() {
    for (int i = 0; i < 3; i++) {
      assertThat(take(2, 3, T0).allowed()).as("take %d of the burst", i + 1).isTrue();
    }
    Take refused = take(2, 3, T0);
    assertThat(refused).as("empty: one token takes half a second at 2/s").isEqualTo(new Take(false, SECOND / 2));
    assertThat(take(2, 3, T0 + SECOND / 4)).as("half a token refilled").isEqualTo(new Take(false, SECOND / 4));
    assertThat(take(2, 3, T0 + SECOND / 2).allowed()).isTrue();
    assertThat(take(2, 3, T0 + SECOND / 2)).isEqualTo(new Take(false, SECOND / 2));
  }

  @Test
  void refillsOverTimeButNeverPastTheBurst() {
    for (int i = 0; i < 4; i++) {
      take(10, 4, T0);
    }
    assertThat(take(10, 4, T0).allowed()).isFalse();
    long later = T0 + 3_600 * SECOND;
    assertThat(IntStream.range(0, 6).mapToObj(i -> take(10, 4, later).allowed()).toList())
        .as("an hour later the bucket holds the burst, not 36,000 tokens")
        .containsExactly(true, true, true, true, false, false);
    assertThat(take(10, 4, later)).isEqualTo(new Take(false, SECOND / 10));
  }

  @Test
  void slowRatesGiveWaitsOfManySeconds() {
    assertThat(take(0.25, 1, T0).allowed()).isTrue();
    Take refused = take(0.25, 1, T0 + SECOND);
    assertThat(refused).as("one token per 4 s, 1 s gone").isEqualTo(new Take(false, 3 * SECOND));
    assertThat(refused.retryAfterSeconds()).isEqualTo(3);
  }

  @Test
  void aClockBehindTheLastTakeAddsNothing() {
    assertThat(take(1, 1, T0 + 10 * SECOND).allowed()).isTrue();
    assertThat(take(1, 1, T0 + 5 * SECOND)).as("an instance whose clock is behind").isEqualTo(new Take(false, SECOND));
    assertThat(take(1, 1, T0 + 11 * SECOND).allowed()).isTrue();
  }

  @Test
  void aLowerBurstCapsWhatTheBucketAlreadyHolds() {
    assertThat(take(1, 100, T0).allowed()).isTrue();
    assertThat(take(1, 2, T0).allowed()).isTrue();
    assertThat(take(1, 2, T0).allowed()).isTrue();
    assertThat(take(1, 2, T0).allowed()).as("99 tokens held, but the burst is now 2").isFalse();
  }

  @Test
  void callersHaveTheirOwnBuckets() {
    assertThat(take(1, 1, T0).allowed()).isTrue();
    assertThat(take(1, 1, T0).allowed()).isFalse();
    assertThat(await(buckets.take(caller + "-other", 1, 1, T0)).allowed()).isTrue();
  }

  @Test
  void theBucketExpiresWhenItWouldBeFullAgain() {
    take(2, 10, T0);
    take(2, 10, T0);
    String key = redis.keys().rateBucket(caller);
    assertThat(key).contains("{rate:").endsWith("}:rate");
    long ttl = probe.sync().pttl(key);
    assertThat(ttl).as("2 tokens at 2/s: full again in 1 s").isBetween(1L, 1_000L);
    assertThat(probe.sync().pttl(redis.keys().rateBucket(caller + "-never"))).as("no key for an unseen caller").isEqualTo(-2L);
  }

  @Test
  void concurrentTakesNeverSpendMoreThanTheBucketHolds() {
    List<CompletableFuture<Take>> takes = IntStream.range(0, 200)
        .mapToObj(i -> buckets.take(caller, 5, 25, T0).toCompletableFuture()).toList();
    long allowed = takes.stream().map(RedisProbe::await).filter(Take::allowed).count();
    assertThat(allowed).isEqualTo(25);
  }

  @Test
  void theServerClockIsUsedWhenNoTimeIsGiven() {
    assertThat(await(buckets.take(caller, 0.001, 1)).allowed()).isTrue();
    Take refused = await(buckets.take(caller, 0.001, 1));
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.waitMicros()).as("one token per 1,000 s, just taken").isBetween(990 * SECOND, 1_000 * SECOND);
  }

  @Test
  void retryAfterRoundsUpToWholeSeconds() {
    assertThat(new Take(true, 0).retryAfterSeconds()).isZero();
    assertThat(new Take(false, 1).retryAfterSeconds()).isEqualTo(1);
    assertThat(new Take(false, SECOND).retryAfterSeconds()).isEqualTo(1);
    assertThat(new Take(false, SECOND + 1).retryAfterSeconds()).isEqualTo(2);
    assertThatThrownBy(() -> buckets.take(caller, 0, 1)).hasMessageContaining("ratePerSecond");
    assertThatThrownBy(() -> buckets.take(caller, 1, 0)).hasMessageContaining("burst");
  }

  private Take take(double rate, int burst, long nowMicros) {
    return await(buckets.take(caller, rate, burst, nowMicros));
  }
}
