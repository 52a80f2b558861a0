package dev.pulse.rm.rest;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.pulse.config.ConfigException;
import dev.pulse.config.Durations;
import dev.pulse.rm.RestartPolicy;
import java.io.IOException;
import java.time.Duration;
import java.util.Iterator;

/**
 * The JSON form of a {@link RestartPolicy}, read from {@code POST /v1/allocations} and written in every allocation:
 * {@code {"maxAttempts": 3, "backoff": "1 s", "deadline": "30 s"}}, durations as in the configuration file.
 * {@code backoff} and {@code deadline} may be left out ({@link RestartPolicy#DEFAULT_BACKOFF}, {@link
 * RestartPolicy#DEFAULT_DEADLINE}). Stateless; thread-safe.
 */
final class RestartPolicyJson {

  static final String FORM = "{\"maxAttempts\": <1 to " + RestartPolicy.MAX_ATTEMPTS
      + ">, \"backoff\": \"<duration>\", \"deadline\": \"<duration>\"}";

  private RestartPolicyJson() {}

  /**
   * The policy a request's {@code restart} field asks for; {@code null} if it is absent or {@code null}.
   *
   * @throws HttpError 400 naming the field ({@code restart.backoff: ...}) if it is malformed or out of range
   */
  static RestartPolicy read(JsonNode restart) {
    if (restart == null || restart.isNull()) {
      return null;
    }
    if (!restart.isObject()) {
      throw HttpError.badRequest("restart: must be an object " + FORM + ", was " + restart);
    }
    for (Iterator<String> names = restart.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!name.equals("maxAttempts") && !name.equals("backoff") && !name.equals("deadline")) {
        throw HttpError.badRequest("restart: unknown field '" + name + "'; expected " + FORM);
      }
    }
    JsonNode attempts = restart.get("maxAttempts");
    if (attempts == null || attempts.isNull()) {
      throw HttpError.badRequest("restart.maxAttempts: missing; expected " + FORM);
    }
    if (!attempts.isIntegralNumber() || !attempts.canConvertToInt()) {
      throw HttpError.badRequest("restart.maxAttempts: must be an integer, was " + attempts);
    }
    Duration backoff = duration(restart, "backoff", RestartPolicy.DEFAULT_BACKOFF);
    Duration deadline = duration(restart, "deadline", RestartPolicy.DEFAULT_DEADLINE);
    try {
      return new RestartPolicy(attempts.intValue(), backoff, deadline);
    } catch (IllegalArgumentException e) {
      throw HttpError.badRequest(e.getMessage());
    }
  }

  private static Duration duration(JsonNode restart, String field, Duration absent) {
    JsonNode value = restart.get(field);
    if (value == null || value.isNull()) {
      return absent;
    }
    if (!value.isTextual()) {
      throw HttpError.badRequest("restart." + field + ": must be a duration such as \"1 s\", was " + value);
    }
    try {
      return Durations.parse("restart." + field, value.textValue());
    } catch (ConfigException e) {
      throw HttpError.badRequest(e.getMessage());
    }
  }

  /** Writes a policy in the form {@link #read} takes. */
  static final class Writer extends StdSerializer<RestartPolicy> {
    Writer() {
      super(RestartPolicy.class);
    }

    @Override
    public void serialize(RestartPolicy p, JsonGenerator out, SerializerProvider provider) throws IOException {
      out.writeStartObject();
      out.writeNumberField("maxAttempts", p.maxAttempts());
      out.writeStringField("backoff", Durations.format(p.backoff()));
      out.writeStringField("deadline", Durations.format(p.deadline()));
      out.writeEndObject();
    }
  }
}
