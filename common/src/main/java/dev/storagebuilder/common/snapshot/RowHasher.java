package dev.storagebuilder.common.snapshot;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A streaming 64-bit hash over a sequence of 64-bit words (MurmurHash3's x64 word mixing and
 * finalizer). The row encoding fed to it is defined in {@link RowChecksum}; the constants here are
 * part of the snapshot format: changing any of them changes every stored checksum.
 *
 * <p>Not thread-safe; one per writer or checksum.
 */
final class RowHasher {
  private static final long SEED = 0x5b_5f_73_62_5f_72_6f_77L; // "[_sb_row"
  private static final long C1 = 0x87c37b91114253d5L;
  private static final long C2 = 0x4cf5ad432745937fL;
  private static final VarHandle LITTLE_ENDIAN_LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private long state;
  private long words;

  void reset() {
    state = SEED;
    words = 0;
  }

  void word(long value) {
    long k = value * C1;
    k = Long.rotateLeft(k, 31);
    k *= C2;
    long h = state ^ k;
    state = Long.rotateLeft(h, 27) * 5 + 0x52dce729L;
    words++;
  }

  /** The length, then the bytes as little-endian words, the last one zero-padded. */
  void bytes(byte[] bytes, int offset, int length) {
    word(length);
    int end = offset + length;
    int i = offset;
    for (; i + Long.BYTES <= end; i += Long.BYTES) {
      word((long) LITTLE_ENDIAN_LONGS.get(bytes, i));
    }
    if (i < end) {
      long tail = 0;
      for (int shift = 0; i < end; i++, shift += 8) {
        tail |= (bytes[i] & 0xffL) << shift;
      }
      word(tail);
    }
  }

  long finish() {
    return fmix64(state ^ words);
  }

  private static long fmix64(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }
}
