package dev.pulse.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's {@code chromium} and {@code chromium-driver}, headless, for the dashboard's browser tests. The
 * browser and its driver come from the system's packages, never from a download: Selenium is given both paths,
 * so its driver manager is not asked for anything.
 *
 * <p>Without them, {@link #requireOrSkip} prints one line and skips the test class, unless the environment
 * variable {@code CI} is set: then a missing browser fails the build, so CI cannot pass without the tests.
 */
final class Chromium {

  private static final List<Path> BROWSERS = List.of(Path.of("/usr/bin/chromium"), Path.of("/usr/bin/chromium-browser"));
  private static final List<Path> DRIVERS = List.of(Path.of("/usr/bin/chromedriver"));

  private Chromium() {}

  /** Skips (or, under CI, fails) the calling test class when the browser or its driver is not installed. */
  static void requireOrSkip() {
    if (browser().isPresent() && driver().isPresent()) {
      return;
    }
    String message = "Dashboard browser tests skipped: chromium and chromedriver are not installed"
        + " (apt-get install chromium chromium-driver)";
    if (System.getenv("CI") != null) {
      Assertions.fail(message.replace("skipped", "cannot run") + "; CI is set, so this fails the build");
    }
    System.out.println(message);
    Assumptions.abort(message);
  }

  /** A headless browser with a fixed window size whose console log can be read; the caller quits it. */
  static ChromeDriver start() {
    ChromeOptions options = new ChromeOptions()
        .setBinary(browser().orElseThrow().toFile())
        .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
            "--window-size=1400,1000", "--no-first-run", "--disable-extensions", "--ignore-certificate-errors");
    options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(driver().orElseThrow().toFile())
        .usingAnyFreePort()
        .build();
    return new ChromeDriver(service, options);
  }

  private static Optional<Path> browser() {
    return BROWSERS.stream().filter(Files::isExecutable).findFirst();
  }

  private static Optional<Path> driver() {
    return DRIVERS.stream().filter(Files::isExecutable).findFirst();
  }
}
