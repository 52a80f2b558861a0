package dev.pulse.rm.grpc;

import dev.pulse.proto.v1.ResourceManagerGatewayGrpc;
import dev.pulse.proto.v1.SlotPoolGrpc;
import dev.pulse.rpc.LeaderHint;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What a standby resource manager serves on its gRPC port (SPEC 12): the resource manager's services
 * ({@code ResourceManagerGateway}, {@code SlotPool}), every method of which answers at once
 * {@code UNAVAILABLE} "this resource manager stands by; the leader is at host:port", with the leader's gRPC
 * address in the trailer {@value LeaderHint#KEY} ({@link LeaderHint}); without the trailer while no leader is
 * known. A task executor given a list of resource managers goes to the leader it names; any other client
 * retries, as after any {@code UNAVAILABLE}. Nothing is read from the request. Stateless.
 */
public final class StandbyServices {

  private StandbyServices() {}

  /**
   * The services to add to the standby's server.
   *
   * @param leaderRpcAddress where the leader serves gRPC now ({@code host:port}), read at each call; empty while
   *     none is known. Must not block.
   */
  public static List<ServerServiceDefinition> of(Supplier<Optional<String>> leaderRpcAddress) {
    Objects.requireNonNull(leaderRpcAddress, "leaderRpcAddress");
    return List.of(refusing(ResourceManagerGatewayGrpc.getServiceDescriptor(), leaderRpcAddress),
        refusing(SlotPoolGrpc.getServiceDescriptor(), leaderRpcAddress));
  }

  private static ServerServiceDefinition refusing(ServiceDescriptor service, Supplier<Optional<String>> leader) {
    ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(service);
    for (MethodDescriptor<?, ?> method : service.getMethods()) {
      add(definition, method, leader);
    }
    return definition.build();
  }

  private static <Q, A> void add(ServerServiceDefinition.Builder definition, MethodDescriptor<Q, A> method,
      Supplier<Optional<String>> leader) {
    definition.addMethod(method, new ServerCallHandler<Q, A>() {
      @Override
      public ServerCall.Listener<Q> startCall(ServerCall<Q, A> call, Metadata headers) {
        StatusRuntimeException refusal = refusal(leader.get());
        call.close(refusal.getStatus(), refusal.getTrailers());
        return new ServerCall.Listener<>() {};
      }
    });
  }

  /** The answer to every call while standing by. */
  static StatusRuntimeException refusal(Optional<String> leader) {
    return LeaderHint.attach(Status.UNAVAILABLE.withDescription("this resource manager stands by; "
        + leader.map(address -> "the leader is at " + address).orElse("no leader is known yet, try again")), leader);
  }
}
