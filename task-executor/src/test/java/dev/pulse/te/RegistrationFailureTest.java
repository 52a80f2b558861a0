package dev.pulse.te;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class RegistrationFailureTest {

  @Test
  void of_unavailable_isNoConfigurationProblem() {
    RegistrationFailure f = RegistrationFailure.of(ResourceManagerCallException.failed("UNAVAILABLE", "io exception"));

    assertThat(f.isConfigurationProblem()).isFalse();
    assertThat(f.describe()).isEqualTo("UNAVAILABLE: io exception");
  }

  @Test
  void of_invalidArgument_namesTheKeyBehindTheField() {
    RegistrationFailure f = RegistrationFailure.of(new CompletionException(
        ResourceManagerCallException.failed("INVALID_ARGUMENT", "rpc_address: '0.0.0.0:1' is not usable")));

    assertThat(f.isConfigurationProblem()).isTrue();
    assertThat(f.describe()).startsWith("INVALID_ARGUMENT: rpc_address: '0.0.0.0:1' is not usable")
        .contains("check taskexecutor.rpc.address");
  }

  @Test
  void of_invalidSlotCount_pointsToTheSlotKey() {
    RegistrationFailure f = RegistrationFailure.of(
        ResourceManagerCallException.failed("INVALID_ARGUMENT", "number_of_slots: too many"));

    assertThat(f.hint()).contains("taskexecutor.numberOfTaskSlots");
  }

  @Test
  void of_unauthenticated_pointsToTheTokenFile() {
    RegistrationFailure f = RegistrationFailure.of(ResourceManagerCallException.failed("UNAUTHENTICATED", ""));

    assertThat(f.isConfigurationProblem()).isTrue();
    assertThat(f.describe()).startsWith("UNAUTHENTICATED").contains("security.auth.token-file");
  }

  @Test
  void of_malformedAnswer_isInternalWithAHint() {
    RegistrationFailure f = RegistrationFailure.of(new CompletionException(
        ResourceManagerCallException.malformedAnswer("registration_id: is required")));

    assertThat(f.isConfigurationProblem()).isFalse();
    assertThat(f.describe()).isEqualTo("INTERNAL: the resource manager's answer is malformed: registration_id: is"
        + " required (the resource manager may run an incompatible version of Pulse)");
  }

  @Test
  void of_anythingElse_isUnknownWithItsMessage() {
    RegistrationFailure f = RegistrationFailure.of(new IllegalStateException("channel pool is closed"));

    assertThat(f.code()).isEqualTo("UNKNOWN");
    assertThat(f.describe()).contains("channel pool is closed");
  }
}
