package io.agentmesh.core.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.util.RecyclerPool;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Jackson mappers for code that runs on virtual threads: the hop path, the gateway, the stores.
 *
 * <p>Design. Every Jackson parser and generator borrows a {@link BufferRecycler} (its char and
 * byte buffers, 4-16 KB) from its factory's pool. Jackson 2.x's default pool keeps one per thread
 * in a {@code ThreadLocal}, which a virtual thread, made for one record or one request, never
 * reuses: each model call then allocated its request's and its answer's buffers afresh, a fifth of
 * what the hop handlers allocated at 500 runs/s (BENCHMARKS.md Run R). The mappers made here share
 * one concurrent pool instead, which platform and virtual threads alike borrow from and give back
 * to; it holds as many recyclers as parsers and generators were ever open at once.
 */
public final class JsonMappers {

  private static final RecyclerPool<BufferRecycler> POOL = JsonRecyclerPools.sharedConcurrentDequePool();

  private JsonMappers() {}

  /** A builder of a mapper whose parsers and generators take their buffers from the shared pool. */
  public static JsonMapper.Builder builder() {
    // a factory per mapper (a mapper makes its factory's codec its own); the pool is shared
    return JsonMapper.builder(JsonFactory.builder().recyclerPool(POOL).build());
  }

  /** A mapper with Jackson's defaults, its buffers from the shared pool. */
  public static JsonMapper create() {
    return builder().build();
  }

  /** The pool the mappers share. */
  static RecyclerPool<BufferRecycler> pool() {
    return POOL;
  }
}
