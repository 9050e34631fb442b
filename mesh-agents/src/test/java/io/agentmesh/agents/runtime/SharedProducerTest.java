package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class SharedProducerTest {

  private final List<MockProducer<byte[], byte[]>> made = new ArrayList<>();
  private final SharedProducer shared = new SharedProducer(() -> {
    MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    made.add(producer);
    return producer;
  });

  @Test
  void leasesShareOneProducerMadeAtTheFirstLease() {
    assertThat(made).isEmpty();
    SharedProducer.Lease a = shared.lease();
    SharedProducer.Lease b = shared.lease();

    assertThat(made).hasSize(1);
    assertThat(a.producer()).isSameAs(b.producer()).isSameAs(made.getFirst());
  }

  @Test
  void staysOpenUntilClosedAndReleasedByItsLastHolder() {
    SharedProducer.Lease a = shared.lease();
    SharedProducer.Lease b = shared.lease();
    a.release();
    assertThat(made.getFirst().closed()).as("closed after the first of two releases").isFalse();

    shared.close();
    assertThat(made.getFirst().closed()).as("closed while a worker still holds it").isFalse();
    b.release();
    assertThat(made.getFirst().closed()).isTrue();
  }

  @Test
  void aReleasedButOpenRuntimesProducerIsKeptForTheNextWorker() {
    shared.lease().release();
    Producer<byte[], byte[]> next = shared.lease().producer();

    assertThat(made).hasSize(1);
    assertThat(next).isSameAs(made.getFirst());
    assertThat(made.getFirst().closed()).isFalse();
  }

  @Test
  void closingWithNoHolderClosesAtOnceAndRefusesLeases() {
    shared.lease().release();
    shared.close();

    assertThat(made.getFirst().closed()).isTrue();
    assertThatThrownBy(shared::lease).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void aRetiredProducerIsNotLeasedAgainAndClosesWithItsLastHolder() {
    SharedProducer.Lease failed = shared.lease();
    SharedProducer.Lease other = shared.lease();
    failed.retire();

    SharedProducer.Lease replacement = shared.lease();
    assertThat(made).hasSize(2);
    assertThat(replacement.producer()).isSameAs(made.get(1)).isNotSameAs(other.producer());

    failed.release();
    assertThat(made.getFirst().closed()).as("closed while another worker still holds it").isFalse();
    other.release();
    assertThat(made.getFirst().closed()).isTrue();
    assertThat(made.get(1).closed()).isFalse();
  }

  @Test
  void releasingTwiceCountsOnce() {
    SharedProducer.Lease a = shared.lease();
    SharedProducer.Lease b = shared.lease();
    shared.close();
    a.release();
    a.release();

    assertThat(made.getFirst().closed()).as("b still holds it").isFalse();
    b.release();
    assertThat(made.getFirst().closed()).isTrue();
  }
  @Test
  void aWorkerWithProducerSettingsOfItsOwnDoesNotLeaseTheSharedProducer() {
    WorkerConfig plain = WorkerConfig.of("127.0.0.1:9", "group", "replica", List.of("in"), 10).withTransactional(false);
    WorkerConfig tuned = new WorkerConfig(plain.bootstrapServers(), plain.groupId(), plain.clientId(), plain.topics(),
        plain.maxInFlight(), plain.pollTimeout(), plain.shutdownGrace(), plain.consumerOverrides(),
        Map.of("linger.ms", 5), false);
    RecordHandler none = record -> Outcome.none();
    FailureHandler nothing = (record, error) -> Outcome.none();

    try (Worker sharing = Worker.create(plain, none, nothing, WorkerListener.NONE, shared)) {
      assertThat(made).as("the plain worker leased the shared producer").hasSize(1);
    }
    try (Worker own = Worker.create(tuned, none, nothing, WorkerListener.NONE, shared)) {
      assertThat(made).as("linger.ms=5 would be lost on the shared producer").hasSize(1);
    }
  }
}
