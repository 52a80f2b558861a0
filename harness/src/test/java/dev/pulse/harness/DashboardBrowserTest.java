package dev.pulse.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pulse.rm.EventType;
import dev.pulse.rpc.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * The web dashboard (SPEC 14) in a real headless Chromium, against a real resource manager and three task
 * executors of the {@link MiniCluster}: every page loads without a console error, the table shows every task
 * executor, a killed one is shown lost within the loss bound + 2 s, the charts move, and the token login works
 * over HTTPS. A screenshot of each page goes to {@code target/dashboard-screenshots/}.
 *
 * <p>Needs Debian's {@code chromium} and {@code chromium-driver}; without them the class is skipped with one
 * line, or fails when {@code CI} is set ({@link Chromium}). The tests run in order on one cluster and browser.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {

  private static final Path SCREENSHOTS = Path.of("target", "dashboard-screenshots");
  private static final Duration PAGE_BOUND = Duration.ofSeconds(20);

  private MiniCluster cluster;
  private ChromeDriver browser;
  private String base;

  @BeforeAll
  void start() throws IOException {
    Chromium.requireOrSkip();
    Files.createDirectories(SCREENSHOTS);
    cluster = MiniCluster.builder().taskExecutors(3).slotsPerTaskExecutor(2)
        .heartbeatInterval(Duration.ofMillis(200)).heartbeatTimeout(Duration.ofSeconds(1)).build().start();
    browser = Chromium.start();
    base = cluster.restUrl().toString().replaceAll("/+$", "");
  }

  @AfterAll
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void everyPage_loadsWithoutConsoleErrors() {
    cluster.slotPool().allocate("job-1", 3);
    for (String page : List.of("overview", "taskexecutors", "te/te-1", "heartbeats", "jobs", "events")) {
      open(page);
      screenshot("3-tes-" + page.replace('/', '-'));
    }
    assertThat(browser.findElement(By.id("view")).getText()).isNotBlank();
    assertThat(consoleErrors()).as("browser console errors").isEmpty();
  }

  @Test
  @Order(2)
  void taskExecutorTable_showsEveryTaskExecutor_withAgeBars() {
    open("taskexecutors");
    await().atMost(PAGE_BOUND).untilAsserted(() -> assertThat(rowIds("#te-table tbody tr"))
        .containsExactly("te-0", "te-1", "te-2"));
    assertThat(browser.findElements(By.cssSelector("#te-table .age .bar > span"))).hasSize(3);
    assertThat(browser.findElement(By.id("te-count")).getText()).isEqualTo("1\u20133 of 3");

    // The table is sorted by id; a click on the header sorts it the other way (on the server).
    browser.findElement(By.cssSelector("#te-table th[data-sort='id']")).click();
    await().atMost(PAGE_BOUND).untilAsserted(() -> assertThat(rowIds("#te-table tbody tr"))
        .containsExactly("te-2", "te-1", "te-0"));
    browser.findElement(By.id("te-filter")).sendKeys("te-1");
    await().atMost(PAGE_BOUND).untilAsserted(() -> assertThat(rowIds("#te-table tbody tr")).containsExactly("te-1"));
    assertThat(consoleErrors()).isEmpty();
  }

  @Test
  @Order(3)
  void heartbeatCharts_update() {
    open("heartbeats");
    By rtt = By.id("chart-rtt");
    await().atMost(PAGE_BOUND).until(() -> points(rtt) >= 2);
    String drawnAt = browser.findElement(rtt).getAttribute("data-drawn-at");
    await().atMost(PAGE_BOUND).until(() -> !drawnAt.equals(browser.findElement(rtt).getAttribute("data-drawn-at")));
    assertThat(points(By.id("chart-lag"))).isGreaterThanOrEqualTo(2);
    screenshot("3-tes-heartbeats");
    assertThat(consoleErrors()).isEmpty();
  }

  @Test
  @Order(4)
  void killedTaskExecutor_turnsLostOnThePage_withinTheLossBoundPlusTwoSeconds() {
    open("taskexecutors");
    await().atMost(PAGE_BOUND).until(() -> rowIds("#te-table tbody tr").contains("te-0"));
    Duration bound = Bounds.unreachable(cluster).plusSeconds(2);

    long killedAt = System.nanoTime();
    cluster.taskExecutor("te-0").kill();
    await().atMost(PAGE_BOUND).until(() -> rowIds("#lost-table tbody tr").contains("te-0")
        && !rowIds("#te-table tbody tr").contains("te-0"));
    long shownAfterMillis = (System.nanoTime() - killedAt) / 1_000_000;
    System.out.printf("dashboard: te-0 killed -> shown LOST after %d ms (bound %d ms)%n", shownAfterMillis,
        bound.toMillis());

    assertThat(shownAfterMillis).isLessThanOrEqualTo(bound.toMillis());
    assertThat(browser.findElement(By.cssSelector("#lost-table tr[data-id='te-0'] .reason")).getText())
        .isEqualTo(cluster.awaitEvent(EventType.TASK_EXECUTOR_LOST, "te-0", PAGE_BOUND).reason().name());
    screenshot("3-tes-taskexecutors-lost");
    open("te/te-0");
    await().atMost(PAGE_BOUND).until(() -> browser.findElement(By.id("te-state")).getText().equals("LOST"));
    screenshot("3-tes-te-lost");
    open("jobs");
    screenshot("3-tes-jobs-after-loss");
    assertThat(consoleErrors()).isEmpty();
  }

  @Test
  @Order(5)
  void withTokenAndTls_thePageAsksForTheToken_andServesHttps(@TempDir Path dir) {
    TestPki pki = TestPki.create(dir, "dashboard");
    TestPki.Identity rm = pki.issue("rm");
    TestPki.Identity te0 = pki.issue("te-0");
    TestPki.Identity te1 = pki.issue("te-1");
    String token = "dashboard-test-token-0123456789";
    try (MiniCluster secure = MiniCluster.builder().taskExecutors(2).tls(rm.cert(), rm.key(), pki.caFile())
        .taskExecutorCertificate("te-0", te0.cert(), te0.key())
        .taskExecutorCertificate("te-1", te1.cert(), te1.key())
        .authToken(token).setting("rest.auth.read", "true").build().start()) {
      assertThat(secure.restUrl().getScheme()).isEqualTo("https");
      browser.get(secure.restUrl().resolve("/#/taskexecutors").toString());
      await().atMost(PAGE_BOUND).until(() -> browser.findElement(By.id("login")).isDisplayed());

      browser.findElement(By.id("login-token")).sendKeys("wrong-token");
      browser.findElement(By.cssSelector("#login-form button")).click();
      await().atMost(PAGE_BOUND).until(() -> browser.findElement(By.id("login-error")).getText().contains("refused"));

      browser.findElement(By.id("login-token")).clear();
      browser.findElement(By.id("login-token")).sendKeys(token);
      browser.findElement(By.cssSelector("#login-form button")).click();
      await().atMost(PAGE_BOUND).untilAsserted(() -> assertThat(rowIds("#te-table tbody tr"))
          .containsExactly("te-0", "te-1"));
      assertThat(browser.findElement(By.id("login")).isDisplayed()).isFalse();
      assertThat(browser.executeScript("return sessionStorage.getItem('pulse.token')")).isEqualTo(token);
      screenshot("3-tes-login-https");
    } finally {
      browser.executeScript("sessionStorage.clear()");
    }
  }

  /** Opens a page and waits until it has been filled from the API at least once since. */
  private void open(String page) {
    browser.get(base + "/#/" + page);
    browser.navigate().refresh();
    await().atMost(PAGE_BOUND).until(() -> browser.findElement(By.tagName("body")).getAttribute("data-refreshed") != null);
  }

  private List<String> rowIds(String rows) {
    // One script, so that a table redrawn between two reads cannot leave a stale element behind.
    Object ids = browser.executeScript("return [...document.querySelectorAll(arguments[0])]"
        + ".map(row => row.dataset.id)", rows);
    return ((List<?>) ids).stream().map(String::valueOf).collect(Collectors.toList());
  }

  private int points(By canvas) {
    String points = browser.findElement(canvas).getAttribute("data-points");
    return points == null || points.isEmpty() ? 0 : Integer.parseInt(points);
  }

  private List<String> consoleErrors() {
    return browser.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::toString).collect(Collectors.toList());
  }

  private void screenshot(String name) {
    Path file = browser.getScreenshotAs(OutputType.FILE).toPath();
    try {
      Files.copy(file, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

}
