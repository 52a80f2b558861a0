package dev.pulse.te;

import dev.pulse.rpc.RpcSecurityConfig;
import java.time.Duration;
import java.util.concurrent.CompletionException;

/**
 * Why one registration attempt failed, in words an operator can act on.
 *
 * <p>A refusal that retrying cannot fix without someone changing a configuration
 * ({@code INVALID_ARGUMENT}: the resource manager finds the request malformed; {@code UNAUTHENTICATED}
 * or {@code PERMISSION_DENIED}: wrong or missing token; {@code UNIMPLEMENTED}: not a Pulse resource
 * manager) is a {@linkplain #isConfigurationProblem() configuration problem}: the task executor logs
 * it as an error, with a hint naming the key to check, and keeps retrying until
 * {@code taskexecutor.registration.timeout}; see {@link ResourceManagerConnection} for why.
 *
 * @param code the kind of failure, as {@link ResourceManagerCallException#code()} names it
 * @param description what went wrong, as the resource manager or the transport put it
 * @param hint what to check, naming a configuration key where there is one; empty if none
 * @param retryAfter how long the resource manager asked to wait before the next attempt; {@code null} if it did
 *     not say
 */
record RegistrationFailure(String code, String description, String hint, Duration retryAfter) {

  RegistrationFailure(String code, String description, String hint) {
    this(code, description, hint, null);
  }

  /**
   * Classifies the failure of a registration call: a {@link ResourceManagerCallException} by its code;
   * anything else (a client that throws) as {@code UNKNOWN} with what it says.
   */
  static RegistrationFailure of(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (cause instanceof ResourceManagerCallException e) {
      if (e.isMalformedAnswer()) {
        return malformedAnswer(e.description());
      }
      return new RegistrationFailure(e.code(), e.description(), hint(e.code(), e.description()),
          e.retryAfter().orElse(null));
    }
    return new RegistrationFailure("UNKNOWN", String.valueOf(cause), "");
  }

  /** The resource manager answered, but not with a usable registration. */
  static RegistrationFailure malformedAnswer(String problem) {
    return new RegistrationFailure(ResourceManagerCallException.MALFORMED_ANSWER,
        "the resource manager's answer is malformed: " + problem,
        "the resource manager may run an incompatible version of Pulse");
  }

  /** Whether retrying cannot help until someone changes a configuration, here or at the resource manager. */
  boolean isConfigurationProblem() {
    return switch (code) {
      case "INVALID_ARGUMENT", "UNAUTHENTICATED", "PERMISSION_DENIED", "UNIMPLEMENTED" -> true;
      default -> false;
    };
  }

  /** {@code INVALID_ARGUMENT: rpc_address: ... (check taskexecutor.rpc.address)}. */
  String describe() {
    return code + (description.isEmpty() ? "" : ": " + description) + (hint.isEmpty() ? "" : " (" + hint + ")");
  }

  private static String hint(String code, String description) {
    return switch (code) {
      case "INVALID_ARGUMENT" -> invalidArgumentHint(description);
      case "UNAUTHENTICATED" -> "check that " + RpcSecurityConfig.TOKEN_FILE
          + " names a file with the same token here and at the resource manager";
      case "PERMISSION_DENIED" -> "check that " + RpcSecurityConfig.TOKEN_FILE + " names a file with the same"
          + " token here and at the resource manager, and, under mutual TLS, that this task executor's"
          + " certificate names its resource id";
      case "UNIMPLEMENTED" -> "check " + TaskExecutorOptions.RESOURCE_MANAGER_RPC_ADDRESS + " and "
          + TaskExecutorOptions.RESOURCE_MANAGER_RPC_PORT + ": what listens there is not a Pulse resource manager"
          + " of a compatible version";
      default -> "";
    };
  }

  /** The resource manager names the field at fault first ({@code rpc_address: ...}); map it to our key. */
  private static String invalidArgumentHint(String description) {
    if (description.startsWith("rpc_address")) {
      return "check " + TaskExecutorOptions.RPC_ADDRESS + ": it is advertised to the resource manager";
    }
    if (description.startsWith("number_of_slots") || description.startsWith("slot_report")) {
      return "check " + TaskExecutorOptions.NUMBER_OF_TASK_SLOTS;
    }
    if (description.startsWith("task_executor.resource_id")) {
      return "check " + TaskExecutorOptions.RESOURCE_ID;
    }
    return "the resource manager may run an incompatible version of Pulse";
  }
}
