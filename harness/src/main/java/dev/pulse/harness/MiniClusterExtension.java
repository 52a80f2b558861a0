package dev.pulse.harness;

import java.util.Objects;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that gives each test (or each test class) a started {@link MiniCluster} and stops
 * it afterwards, also when the test fails. Test and lifecycle methods receive the cluster as a
 * {@code MiniCluster} parameter.
 *
 * <pre>{@code
 * @ExtendWith(MiniClusterExtension.class)          // a default cluster per test
 * class MyTest {
 *   @Test
 *   void something(MiniCluster cluster) { ... }
 * }
 *
 * class MyOtherTest {
 *   @RegisterExtension                              // static: one cluster for the whole class
 *   static final MiniClusterExtension CLUSTER =
 *       MiniClusterExtension.perClass(MiniCluster.builder().taskExecutors(3));
 * }
 * }</pre>
 *
 * <p>A per-class extension must be registered in a {@code static} field (JUnit calls class-level
 * callbacks only on those). Not meant for tests of one class running in parallel on a per-class
 * cluster: faults on a shared cluster would interfere.
 */
public final class MiniClusterExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {

  private final MiniCluster.Builder builder;
  private final boolean perClass;
  private volatile MiniCluster cluster;

  /** A default cluster ({@link MiniCluster#builder()}) per test; the constructor {@code @ExtendWith} uses. */
  public MiniClusterExtension() {
    this(MiniCluster.builder(), false);
  }

  private MiniClusterExtension(MiniCluster.Builder builder, boolean perClass) {
    this.builder = Objects.requireNonNull(builder, "builder");
    this.perClass = perClass;
  }

  /** A fresh cluster from {@code builder} for every test method. */
  public static MiniClusterExtension perTest(MiniCluster.Builder builder) {
    return new MiniClusterExtension(builder, false);
  }

  /** One cluster from {@code builder} for all tests of the class; register it in a static field. */
  public static MiniClusterExtension perClass(MiniCluster.Builder builder) {
    return new MiniClusterExtension(builder, true);
  }

  /**
   * The current cluster, for tests that prefer a field to a parameter.
   *
   * @throws IllegalStateException outside a test
   */
  public MiniCluster cluster() {
    MiniCluster c = cluster;
    if (c == null) {
      throw new IllegalStateException("no mini cluster is running (outside a test?)");
    }
    return c;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (perClass) {
      cluster = builder.build().start();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (perClass) {
      stop();
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (!perClass) {
      cluster = builder.build().start();
    } else if (cluster == null) {
      throw new IllegalStateException("a per-class MiniClusterExtension must be registered in a static field");
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (!perClass) {
      stop();
    }
  }

  private void stop() {
    MiniCluster c = cluster;
    cluster = null;
    if (c != null) {
      c.close();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == MiniCluster.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context)
      throws ParameterResolutionException {
    MiniCluster c = cluster;
    if (c == null) {
      throw new ParameterResolutionException("no mini cluster is running for " + context.getDisplayName());
    }
    return c;
  }
}
