package dev.pulse.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The one host:port rule: each case names what a person would type and what they should be told. */
class HostPortTest {

  @ParameterizedTest
  @ValueSource(strings = {"rm.example:6123", "127.0.0.1:1", "h:65535", "[::1]:8081", "[2001:db8::7]:443", "a-b.c:9"})
  void problem_validAddress_none(String address) {
    assertThat(HostPort.problem(address)).isNull();
  }

  @Test
  void problem_missing_isRequired() {
    assertThat(HostPort.problem(null)).isEqualTo("is required");
    assertThat(HostPort.problem("")).isEqualTo("is required");
  }

  @ParameterizedTest
  @ValueSource(strings = {"rm", ":6123", "rm:", "6123"})
  void problem_noHostOrNoPort_notHostPort(String address) {
    assertThat(HostPort.problem(address)).isEqualTo("'" + address + "' is not host:port");
  }

  @ParameterizedTest
  @ValueSource(strings = {"::1:80", "rm host:80", "rm_1:80", "[zz::1]:80"})
  void problem_badHost_saysSo(String address) {
    assertThat(HostPort.problem(address)).isEqualTo("'" + address + "' does not start with a host name or IP address");
  }

  @ParameterizedTest
  @ValueSource(strings = {"rm:0", "rm:65536", "rm:123456", "rm:8o", "rm:-1", "rm:+80"})
  void problem_portOutOfRangeOrNotANumber_saysSo(String address) {
    assertThat(HostPort.problem(address))
        .isEqualTo("'" + address + "' does not end with a port between 1 and 65535");
  }

  @Test
  void problem_hostOfExactly253Characters_isAccepted_254IsNot() {
    assertThat(HostPort.problem("h".repeat(253) + ":80")).isNull();
    assertThat(HostPort.problem("h".repeat(254) + ":80")).contains("does not start with a host name");
  }

  @Test
  void isHost_namesAndAddresses() {
    assertThat(HostPort.isHost("rm-1.example")).isTrue();
    assertThat(HostPort.isHost("10.0.0.1")).isTrue();
    assertThat(HostPort.isHost("::1")).isTrue();
    assertThat(HostPort.isHost("[::1]")).isTrue();
    assertThat(HostPort.isHost("[::1")).isFalse();
    assertThat(HostPort.isHost("")).isFalse();
    assertThat(HostPort.isHost(null)).isFalse();
    assertThat(HostPort.isHost("rm:80")).isFalse();
    assertThat(HostPort.isHost(":")).isFalse();
  }

  @Test
  void format_bracketsABareIpv6Address_only() {
    assertThat(HostPort.format("rm", 6123)).isEqualTo("rm:6123");
    assertThat(HostPort.format("::1", 80)).isEqualTo("[::1]:80");
    assertThat(HostPort.format("[::1]", 80)).isEqualTo("[::1]:80");
    assertThat(HostPort.format(InetSocketAddress.createUnresolved("rm.example", 9))).isEqualTo("rm.example:9");
  }
}
