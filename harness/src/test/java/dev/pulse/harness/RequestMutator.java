package dev.pulse.harness;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Turns a valid request into bytes a broken or hostile client might send: flipped bits, cut or
 * spliced bytes, garbage, unknown fields of every wire type, and well-formed messages with random,
 * boundary or huge field values. Deterministic for a given {@link Random}, so a seed reproduces a run.
 *
 * <p>Not thread-safe (the {@link Random} is shared by design).
 */
final class RequestMutator {

  /** Never produced as a string value, so a mutation cannot name a real id by chance. */
  private final List<String> forbidden;
  private final Random random;

  /**
   * @param forbidden strings never generated as field values (the real ids of the cluster under test)
   */
  RequestMutator(Random random, List<String> forbidden) {
    this.random = random;
    this.forbidden = forbidden;
  }

  /** One mutation of {@code base}. */
  byte[] mutate(Message base) {
    byte[] bytes = base.toByteArray();
    return switch (random.nextInt(8)) {
      case 0 -> flipBits(bytes);
      case 1 -> Arrays.copyOf(bytes, bytes.length == 0 ? 0 : random.nextInt(bytes.length));
      case 2 -> overwrite(bytes);
      case 3 -> insert(bytes);
      case 4, 5 -> mutateFields(base).toByteArray();
      case 6 -> randomBytes(random.nextInt(65));
      default -> appendUnknownField(bytes);
    };
  }

  private byte[] flipBits(byte[] bytes) {
    byte[] out = bytes.clone();
    if (out.length == 0) {
      return randomBytes(1);
    }
    for (int i = 1 + random.nextInt(4); i > 0; i--) {
      int bit = random.nextInt(out.length * 8);
      out[bit / 8] ^= (byte) (1 << (bit % 8));
    }
    return out;
  }

  private byte[] overwrite(byte[] bytes) {
    byte[] out = bytes.clone();
    if (out.length == 0) {
      return out;
    }
    int from = random.nextInt(out.length);
    int to = Math.min(out.length, from + 1 + random.nextInt(8));
    for (int i = from; i < to; i++) {
      out[i] = (byte) random.nextInt(256);
    }
    return out;
  }

  private byte[] insert(byte[] bytes) {
    int at = random.nextInt(bytes.length + 1);
    byte[] extra = randomBytes(1 + random.nextInt(16));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(bytes, 0, at);
    out.writeBytes(extra);
    out.write(bytes, at, bytes.length - at);
    return out.toByteArray();
  }

  /** A field with a random number (reserved ones included) and wire type, and a payload that may lie. */
  private byte[] appendUnknownField(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(bytes);
    int field = random.nextBoolean() ? 16 + random.nextInt(16) : 1 + random.nextInt(1 << 20);
    int wireType = random.nextInt(8); // 6 and 7 do not exist
    writeVarint(out, ((long) field << 3) | wireType);
    switch (wireType) {
      case 0 -> writeVarint(out, random.nextLong());
      case 1 -> out.writeBytes(randomBytes(8));
      case 2 -> {
        int length = random.nextInt(40);
        writeVarint(out, random.nextInt(4) == 0 ? length + 1 + random.nextInt(1000) : length); // sometimes lies
        out.writeBytes(randomBytes(length));
      }
      case 5 -> out.writeBytes(randomBytes(4));
      default -> out.writeBytes(randomBytes(random.nextInt(4)));
    }
    return out.toByteArray();
  }

  /** {@code base} with one to three fields (nested ones included) set to random values. */
  private Message mutateFields(Message base) {
    Message.Builder builder = base.toBuilder();
    for (int i = 1 + random.nextInt(3); i > 0; i--) {
      mutateField(builder, 0);
    }
    return builder.build();
  }

  private void mutateField(Message.Builder builder, int depth) {
    List<FieldDescriptor> fields = builder.getDescriptorForType().getFields();
    FieldDescriptor field = fields.get(random.nextInt(fields.size()));
    if (field.isRepeated()) {
      if (random.nextInt(4) == 0) {
        builder.clearField(field);
        return;
      }
      int copies = random.nextInt(5) == 0 ? 1 + random.nextInt(2000) : 1;
      Object element = randomValue(builder, field, depth);
      if (element instanceof Message m && (long) m.getSerializedSize() * copies > 1 << 20) {
        copies = 1; // a few MB of request say nothing more than one, and cost memory
      }
      for (int i = 0; i < copies; i++) {
        builder.addRepeatedField(field, element);
      }
      return;
    }
    if (random.nextInt(6) == 0) {
      builder.clearField(field);
      return;
    }
    if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && depth < 3 && random.nextBoolean()) {
      mutateField(builder.getFieldBuilder(field), depth + 1);
      return;
    }
    builder.setField(field, randomValue(builder, field, depth));
  }

  private Object randomValue(Message.Builder builder, FieldDescriptor field, int depth) {
    return switch (field.getJavaType()) {
      case STRING -> randomString();
      case INT -> pick(0, 1, -1, 1023, 1024, 1025, Integer.MAX_VALUE, Integer.MIN_VALUE, random.nextInt());
      case LONG -> pick(0L, 1L, -1L, Long.MAX_VALUE, Long.MIN_VALUE, random.nextLong());
      case BOOLEAN -> random.nextBoolean();
      case ENUM -> field.getEnumType().findValueByNumberCreatingIfUnknown(random.nextInt(12) - 2);
      case MESSAGE -> {
        Message.Builder nested = builder.newBuilderForField(field);
        for (int i = random.nextInt(3); i > 0 && depth < 3; i--) {
          mutateField(nested, depth + 1);
        }
        yield nested.build();
      }
      default -> throw new IllegalStateException("no generator for " + field.getJavaType());
    };
  }

  private String randomString() {
    String s = switch (random.nextInt(9)) {
      case 0 -> "";
      case 1 -> "x".repeat(8_000);
      case 2 -> "y".repeat(100_000);
      case 3 -> "a".repeat(128 + random.nextInt(3) - 1);
      case 4 -> "te 0\n\t\u0000'\"\\/%s{}";
      case 5 -> "127.0.0.1:" + random.nextInt(70_000);
      case 6 -> randomUnicode(1 + random.nextInt(40));
      default -> randomAscii(1 + random.nextInt(40));
    };
    return forbidden.contains(s) ? s + "-not" : s;
  }

  private String randomAscii(int length) {
    StringBuilder b = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      b.append((char) (32 + random.nextInt(95)));
    }
    return b.toString();
  }

  private String randomUnicode(int length) {
    StringBuilder b = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      int codePoint = random.nextInt(Character.MAX_CODE_POINT + 1);
      // Lone surrogates cannot be encoded as UTF-8 (protobuf would send '?'); invalid UTF-8 comes from
      // the byte mutations.
      b.appendCodePoint(Character.isSurrogate((char) codePoint) && codePoint <= 0xFFFF ? 'S' : codePoint);
    }
    return b.toString();
  }

  private byte[] randomBytes(int length) {
    byte[] out = new byte[length];
    random.nextBytes(out);
    return out;
  }

  @SafeVarargs
  private <T> T pick(T... values) {
    return values[random.nextInt(values.length)];
  }

  private static void writeVarint(ByteArrayOutputStream out, long value) {
    while ((value & ~0x7FL) != 0) {
      out.write((int) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.write((int) value);
  }
}
