package dev.pulse.rm.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pulse.rm.NotEnoughSlotsException;
import dev.pulse.rm.OverloadedException;
import dev.pulse.rm.StaleRegistrationException;
import dev.pulse.rm.UnknownAllocationException;
import io.grpc.Status;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class GrpcStatusesTest {

  @Test
  void overloaded_isResourceExhausted_withItsMessage() {
    var status = GrpcStatuses.of(new CompletionException(new OverloadedException("near the limit"))).getStatus();
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).isEqualTo("near the limit");
  }

  @Test
  void domainFailures_mapToTheirStatuses() {
    assertThat(GrpcStatuses.of(new NotEnoughSlotsException(3, 1)).getStatus().getCode())
        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(GrpcStatuses.of(new UnknownAllocationException("a-1")).getStatus().getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(GrpcStatuses.of(new StaleRegistrationException("te-1", "r-1")).getStatus().getCode())
        .isEqualTo(Status.Code.FAILED_PRECONDITION);
  }
}
