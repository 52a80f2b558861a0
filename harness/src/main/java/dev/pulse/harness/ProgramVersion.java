package dev.pulse.harness;

import dev.pulse.process.PulseVersion;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What {@code --version} prints for the harness's commands ({@code bin/local-cluster}, {@code bin/demo}). */
final class ProgramVersion implements IVersionProvider {

  @Spec
  CommandSpec spec;

  @Override
  public String[] getVersion() {
    return new String[] {PulseVersion.line(spec.name())};
  }
}
