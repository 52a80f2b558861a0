package dev.pulse.ha.zookeeper;

import dev.pulse.rm.ha.LeaderContender;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link LeaderContender} that records what it heard: "granted" and "revoked: why", in order. */
final class Contender implements LeaderContender {

  final String name;
  final List<String> heard = new CopyOnWriteArrayList<>();
  private volatile boolean leading;

  Contender(String name) {
    this.name = name;
  }

  @Override
  public void grantLeadership() {
    leading = true;
    heard.add("granted");
  }

  @Override
  public void revokeLeadership(String why) {
    leading = false;
    heard.add("revoked: " + why);
  }

  boolean leading() {
    return leading;
  }

  long grants() {
    return heard.stream().filter(h -> h.equals("granted")).count();
  }

  @Override
  public String toString() {
    return name + heard;
  }
}
