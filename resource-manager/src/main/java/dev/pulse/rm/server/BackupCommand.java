package dev.pulse.rm.server;

import dev.pulse.config.ConfigException;
import dev.pulse.config.HostPort;
import dev.pulse.config.Settings;
import dev.pulse.process.ConfigSources;
import dev.pulse.rm.ResourceManagerOptions;
import dev.pulse.rpc.AuthToken;
import dev.pulse.rpc.RpcSecurityConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code bin/resource-manager backup [--to FILE] [-c FILE] [-Dkey=value ...]}: asks the running resource
 * manager, through its REST API ({@code POST /v1/admin/backup}), for a consistent copy of its registry
 * store, and prints where it was written. The address ({@code rest.bind-address}, {@code rest.port}) and
 * the token ({@code security.auth.token-file}) come from the same configuration the resource manager runs
 * with. Plain HTTP only: against an API that serves HTTPS, call the endpoint with {@code curl --cacert}.
 *
 * <p>Exit codes: 0 written, 1 refused or unreachable (the message says why), 2 bad arguments.
 */
final class BackupCommand {

  static final String USAGE = "usage: resource-manager backup [--to FILE] [-c FILE] [-Dkey=value ...]";

  private BackupCommand() {}

  static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, ConfigSources.ofThisProcess(w -> err.println("resource-manager backup: " + w)), out, err);
  }

  static int run(String[] args, ConfigSources sources, PrintStream out, PrintStream err) {
    Path to = null;
    Path configFile = null;
    Map<String, String> overrides = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if ((a.equals("--to") || a.equals("-c") || a.equals("--config")) && i + 1 < args.length) {
        Path value = Path.of(args[++i]);
        if (a.equals("--to")) {
          to = value.toAbsolutePath();
        } else {
          configFile = value;
        }
      } else if (a.equals("-h") || a.equals("--help")) {
        out.println(USAGE);
        out.println("Asks the running resource manager for a copy of its registry store (POST /v1/admin/backup) and"
            + " prints where it was written: by default in the store directory's backups/, else at --to FILE (which"
            + " must not exist). The address and token come from the same configuration as the resource manager's.");
        return 0;
      } else if (a.startsWith("-D") && a.indexOf('=') > 2) {
        overrides.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
      } else {
        err.println("resource-manager backup: unexpected argument '" + a + "'");
        err.println(USAGE);
        return 2;
      }
    }
    try {
      Settings settings = sources.load(configFile, overrides);
      return call(settings, to, out, err);
    } catch (ConfigException e) {
      err.println("resource-manager backup: configuration error: " + e.getMessage());
      return 1;
    }
  }

  private static int call(Settings settings, Path to, PrintStream out, PrintStream err) {
    if (settings.bool("security.ssl.rest.enabled", settings.bool("security.ssl.enabled", false))) {
      err.println("resource-manager backup: the REST API serves HTTPS; call POST /v1/admin/backup with curl"
          + " --cacert instead");
      return 1;
    }
    String host = settings.string(ResourceManagerOptions.REST_BIND_ADDRESS,
        ResourceManagerOptions.DEFAULT_REST_BIND_ADDRESS);
    if (host.equals("0.0.0.0") || host.equals("::")) {
      host = "127.0.0.1";
    }
    int port = settings.port(ResourceManagerOptions.REST_PORT, ResourceManagerOptions.DEFAULT_REST_PORT);
    URI uri = URI.create("http://" + HostPort.format(host, port) + "/v1/admin/backup");
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(10))
        .header("content-type", "application/json")
        .POST(to == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString("{\"path\": \"" + json(to.toString()) + "\"}"));
    Path tokenFile = settings.path(RpcSecurityConfig.TOKEN_FILE);
    if (tokenFile != null) {
      request.header("authorization", AuthToken.read(tokenFile).headerValue());
    }
    try {
      HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
          .send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 200) {
        out.println(response.body());
        return 0;
      }
      err.println("resource-manager backup: " + uri + " answered " + response.statusCode() + ": " + response.body());
      return 1;
    } catch (IOException e) {
      err.println("resource-manager backup: cannot reach " + uri + ": " + e);
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  private static String json(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
