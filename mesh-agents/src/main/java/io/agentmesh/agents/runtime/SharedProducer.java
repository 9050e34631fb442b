package io.agentmesh.agents.runtime;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kafka producer for the at-least-once workers of a process (D-024). The producer is
 * thread-safe, and one instance shared by several threads is generally faster than one each
 * ({@code KafkaProducer}'s javadoc): the records the workers send at about the same time go out in
 * one produce request, on one I/O thread. Measured: 7% less CPU per run (in simulator units) for
 * the 3-node pipeline at zero model latency (BENCHMARKS.md Run O).
 *
 * <p>Each worker leases it when it starts and releases it when it stops; the last release after
 * {@link #close()} closes it. A worker stopped by a fatal error retires the instance it leased: the
 * next lease (its replacement's) gets a new one, so a producer that cannot go on (a fatal error of
 * its own) is not handed out again, and the retired one closes when its last lease is released.
 * Exactly-once workers keep a producer each: a transactional producer is one transaction at a
 * time.
 */
final class SharedProducer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SharedProducer.class);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private final Supplier<Producer<byte[], byte[]>> factory;
  /** The instance new leases get; null until the first lease and after a retirement. Guarded by this. */
  private Instance current;
  private boolean closed;

  /** @param factory makes a producer when the first lease, or the first after a retirement, is asked for */
  SharedProducer(Supplier<Producer<byte[], byte[]>> factory) {
    this.factory = Objects.requireNonNull(factory, "factory");
  }

  /** A lease of the current producer, made now if there is none. */
  synchronized Lease lease() {
    if (closed) {
      throw new IllegalStateException("the shared producer is closed");
    }
    if (current == null) {
      current = new Instance(factory.get());
    }
    current.leases++;
    return new Lease(current);
  }

  /** Closes the current producer now if no worker holds it, else when the last one releases it. */
  @Override
  public void close() {
    Instance idle = null;
    synchronized (this) {
      closed = true;
      if (current != null && current.leases == 0) {
        idle = current;
      }
      current = null; // a held one closes with its last release
    }
    if (idle != null) {
      idle.close();
    }
  }

  private void released(Instance instance) {
    boolean last;
    synchronized (this) {
      instance.leases--;
      last = instance.leases == 0 && (instance.retired || closed); // neither is current any more
    }
    if (last) {
      instance.close();
    }
  }

  private synchronized void retire(Instance instance) {
    instance.retired = true;
    if (current == instance) {
      current = null;
    }
  }

  /** One worker's hold on the shared producer. */
  final class Lease {
    private final Instance instance;
    private boolean released;

    private Lease(Instance instance) {
      this.instance = instance;
    }

    Producer<byte[], byte[]> producer() {
      return instance.producer;
    }

    /** Hands out no more leases of this instance: the worker holding it stopped on a fatal error. */
    void retire() {
      SharedProducer.this.retire(instance);
    }

    /** The worker is done with the producer; closes it when it was the last holder of a retired or closed one. */
    void release() {
      synchronized (this) {
        if (released) {
          return;
        }
        released = true;
      }
      released(instance);
    }
  }

  private static final class Instance {
    private final Producer<byte[], byte[]> producer;
    private int leases;
    private boolean retired;

    Instance(Producer<byte[], byte[]> producer) {
      this.producer = producer;
    }

    void close() {
      try {
        producer.close(CLOSE_TIMEOUT);
      } catch (RuntimeException e) {
        LOG.debug("shared producer close: {}", e.toString());
      }
    }
  }
}
