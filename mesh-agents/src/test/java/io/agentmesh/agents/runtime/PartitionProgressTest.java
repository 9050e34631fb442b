package io.agentmesh.agents.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PartitionProgressTest {

  @Test
  void commitsTheLowestUnfinishedOffsetAndRecordsWhatIsDoneAboveIt() {
    PartitionProgress progress = PartitionProgress.at(100);
    for (long offset = 100; offset < 110; offset++) {
      progress.started(offset);
    }
    progress.completed(100);
    progress.completed(103);
    progress.completed(109);

    assertThat(progress.safeOffset()).isEqualTo(101);
    PartitionProgress restored = PartitionProgress.restore(progress.safeOffset(), progress.metadata());
    assertThat(restored.isDone(103)).isTrue();
    assertThat(restored.isDone(109)).isTrue();
    assertThat(restored.isDone(101)).isFalse();
    assertThat(restored.isDone(104)).isFalse();
  }

  @Test
  void forgetsDoneOffsetsOnceTheSafeOffsetPassesThem() {
    PartitionProgress progress = PartitionProgress.at(0);
    progress.started(0);
    progress.started(1);
    progress.completed(1);
    progress.completed(0);

    assertThat(progress.safeOffset()).isEqualTo(2);
    assertThat(progress.metadata()).isEmpty();
    progress.markCommitted(2, progress.metadata());
    assertThat(progress.hasProgress()).isFalse();
  }

  @Test
  void needsACommitWhenMoreIsDoneAboveAnUnchangedSafeOffset() {
    PartitionProgress progress = PartitionProgress.at(0);
    progress.started(0);
    progress.started(1);
    progress.markCommitted(progress.safeOffset(), progress.metadata());
    assertThat(progress.hasProgress()).isFalse();

    progress.completed(1);
    assertThat(progress.safeOffset()).isZero();
    assertThat(progress.hasProgress()).as("offset 1's outputs are published: the commit must say so").isTrue();
  }

  @Test
  void ignoresMetadataItDidNotWrite() {
    PartitionProgress restored = PartitionProgress.restore(10, "written-by-someone-else");
    assertThat(restored.isDone(10)).isFalse();
    assertThat(restored.isDone(11)).isFalse();
  }

  @Test
  void measuresHowFarDoneRecordsRunAheadOfTheOldestUnfinished() {
    PartitionProgress progress = PartitionProgress.at(0);
    progress.started(0);
    progress.started(500);
    progress.completed(500);
    assertThat(progress.gap()).isEqualTo(500);
  }
}
