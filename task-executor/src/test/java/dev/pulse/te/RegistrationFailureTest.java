package dev.pulse.te;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class RegistrationFailureTest {

  @Test
  void of_unavailable_isNoConfigurationProblem() {
    RegistrationFailure f = RegistrationFailure.of(Status.UNAVAILABLE.withDescription("io exception").asRuntimeException());

    assertThat(f.isConfigurationProblem()).isFalse();
    assertThat(f.describe()).isEqualTo("UNAVAILABLE: io exception");
  }

  @Test
  void of_transportFailure_addsWhatItsCauseSays() {
    RegistrationFailure f = RegistrationFailure.of(Status.UNAVAILABLE.withDescription("io exception")
        .withCause(new ConnectException("Connection refused: /127.0.0.1:1")).asRuntimeException());

    assertThat(f.describe()).isEqualTo("UNAVAILABLE: io exception (Connection refused: /127.0.0.1:1)");
  }

  @Test
  void of_invalidArgument_namesTheKeyBehindTheField() {
    RegistrationFailure f = RegistrationFailure.of(new CompletionException(
        Status.INVALID_ARGUMENT.withDescription("rpc_address: '0.0.0.0:1' is not usable").asRuntimeException()));

    assertThat(f.isConfigurationProblem()).isTrue();
    assertThat(f.describe()).startsWith("INVALID_ARGUMENT: rpc_address: '0.0.0.0:1' is not usable")
        .contains("check taskexecutor.rpc.address");
  }

  @Test
  void of_invalidSlotCount_pointsToTheSlotKey() {
    RegistrationFailure f = RegistrationFailure.of(
        Status.INVALID_ARGUMENT.withDescription("number_of_slots: too many").asRuntimeException());

    assertThat(f.hint()).contains("taskexecutor.numberOfTaskSlots");
  }

  @Test
  void of_unauthenticated_pointsToTheTokenFile() {
    RegistrationFailure f = RegistrationFailure.of(Status.UNAUTHENTICATED.asRuntimeException());

    assertThat(f.isConfigurationProblem()).isTrue();
    assertThat(f.describe()).startsWith("UNAUTHENTICATED").contains("security.auth.token-file");
  }

  @Test
  void of_anythingElse_isUnknownWithItsMessage() {
    RegistrationFailure f = RegistrationFailure.of(new IllegalStateException("channel pool is closed"));

    assertThat(f.code()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(f.describe()).contains("channel pool is closed");
  }
}
