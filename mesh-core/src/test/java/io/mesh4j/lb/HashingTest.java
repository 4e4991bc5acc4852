package io.mesh4j.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HashingTest {

  @Test
  void valuesArePinnedBecauseAFleetMustAgreeOnKeyOwners() {
    assertThat(Hashing.hash("")).isEqualTo(PINNED_EMPTY);
    assertThat(Hashing.hash("a")).isEqualTo(PINNED_A);
    assertThat(Hashing.hash("user-12345")).isEqualTo(PINNED_USER);
    assertThat(Hashing.hash("10.0.0.1:8080_0")).isEqualTo(PINNED_POINT);
  }

  @Test
  void aRangeHashesLikeTheSubstring() {
    String s = "theme=dark; sid=abcdefghij; x=1";
    for (int from = 0; from <= s.length(); from++) {
      for (int to = from; to <= s.length(); to++) {
        assertThat(Hashing.hash(s, from, to)).isEqualTo(Hashing.hash(s.substring(from, to)));
      }
    }
  }

  @Test
  void shortAndSimilarKeysDoNotCollide() {
    Set<Long> seen = new HashSet<>();
    int count = 0;
    for (int i = 0; i < 200_000; i++) {
      seen.add(Hashing.hash("user-" + i));
      count++;
    }
    seen.add(Hashing.hash(""));
    seen.add(Hashing.hash("\0"));
    seen.add(Hashing.hash("\0\0"));
    count += 3;

    assertThat(seen).hasSize(count);
  }

  @Test
  void flippingOneInputBitFlipsAboutHalfTheOutputBits() {
    long flipped = 0;
    int trials = 0;
    for (int i = 0; i < 2_000; i++) {
      char[] key = ("key-" + i).toCharArray();
      long h = Hashing.hash(new String(key));
      for (int c = 0; c < key.length; c++) {
        for (int bit = 0; bit < 16; bit++) {
          key[c] ^= (char) (1 << bit);
          flipped += Long.bitCount(h ^ Hashing.hash(new String(key)));
          key[c] ^= (char) (1 << bit);
          trials++;
        }
      }
    }

    assertThat((double) flipped / trials).isBetween(31.5, 32.5);
  }

  private static final long PINNED_EMPTY = -7830669274269748254L;
  private static final long PINNED_A = -4341909961766846255L;
  private static final long PINNED_USER = -6991313926847516578L;
  private static final long PINNED_POINT = 7112185139280300013L;
}
