package io.agentmesh.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class JsonMappersTest {

  @Test
  void mappersShareOnePool() {
    ObjectMapper first = JsonMappers.create();
    JsonMapper second = JsonMappers.builder().build();

    assertThat(first.getFactory()._getRecyclerPool()).isSameAs(JsonMappers.pool());
    assertThat(second.getFactory()._getRecyclerPool()).isSameAs(JsonMappers.pool());
    assertThat(first.getFactory()).isNotSameAs(second.getFactory());
  }

  @Test
  void virtualThreadsOneAfterAnotherReuseTheSameBuffers() throws Exception {
    ObjectMapper mapper = JsonMappers.create();
    onAVirtualThread(mapper);
    int pooled = JsonMappers.pool().pooledCount();

    for (int i = 0; i < 20; i++) {
      onAVirtualThread(mapper);
    }

    // a per-thread pool (Jackson's default) keeps nothing a new virtual thread could reuse: it
    // counts -1, and each of these threads would have allocated its buffers afresh
    assertThat(pooled).isPositive();
    assertThat(JsonMappers.pool().pooledCount()).isEqualTo(pooled);
  }

  /** A parse and a write on a virtual thread of its own, as a handler does them. */
  private static void onAVirtualThread(ObjectMapper mapper) throws Exception {
    try (ExecutorService thread = Executors.newVirtualThreadPerTaskExecutor()) {
      String written = thread.submit(() -> {
        JsonNode node = mapper.readTree("{\"q\": \"" + "x".repeat(300) + "\"}");
        return mapper.writeValueAsString(node);
      }).get();
      assertThat(written).startsWith("{\"q\":\"xxx");
    }
  }
}
