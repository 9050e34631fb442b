package io.agentmesh.infra.model;

/** SplitMix64: a fast, stateless mixing function, used as a counter-based random number generator. */
final class SplitMix {

    static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private SplitMix() {
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The top 53 bits of {@code x} as a double in [0, 1). */
    static double unit(long x) {
        return (x >>> 11) * 0x1.0p-53;
    }

    /** A 64-bit hash of {@code text}, mixed with {@code seed}. */
    static long hash(long seed, CharSequence text) {
        long h = mix(seed ^ GOLDEN);
        for (int i = 0; i < text.length(); i++) {
            h = mix(h ^ text.charAt(i)) + GOLDEN;
        }
        return mix(h);
    }
}
