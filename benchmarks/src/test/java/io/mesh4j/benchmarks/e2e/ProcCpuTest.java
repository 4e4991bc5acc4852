package io.mesh4j.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ProcCpuTest {

  @Test
  void userAndSystemTicksAreFieldsFourteenAndFifteen() {
    String stat = "4242 (nginx) S 1 4242 4242 0 -1 4194624 220 0 0 0 17 5 0 0 20 0 1 0 12345 1000 200";
    assertThat(ProcCpu.parseTicks(stat)).isEqualTo(22);
  }

  @Test
  void aCommandNameWithSpacesAndParenthesesDoesNotShiftTheFields() {
    String stat = "7 (we ird) (x)) R 1 7 7 0 -1 0 0 0 0 0 300 45 0 0 20 0 4 0 1 1 1";
    assertThat(ProcCpu.parseTicks(stat)).isEqualTo(345);
  }

  @Test
  void aLineWithoutTheFieldsIsRejected() {
    assertThatThrownBy(() -> ProcCpu.parseTicks("12 (x) S 1 2"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a /proc stat line: 12 (x) S 1 2");
    assertThatThrownBy(() -> ProcCpu.parseTicks("garbage"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void thisJvmHasUsedCpuAndAVanishedProcessCountsZero() {
    // Loading and JIT-compiling the test classes alone takes well over one 10 ms tick.
    assertThat(ProcCpu.treeNanos(ProcessHandle.current())).isPositive();
    assertThat(ProcCpu.ticks(Long.MAX_VALUE)).isZero();
  }
}
