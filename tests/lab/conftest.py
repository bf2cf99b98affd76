"""Fixtures that start and stop fleets of simulated devices on loopback (tests run in their own netns)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from scanner.lab import Device, FleetEntry, Lab, LabThread

USER, PASSWORD = "admin", "lab-Passw0rd"
ALL_PROFILES = (
    "hikvision-ipc", "hikvision-ipc-webserver", "hikvision-nvr", "hikvision-dvr", "hikvision-oem", "dahua-ipc",
    "dahua-nvr", "dahua-xvr", "dahua-oem", "lorex-nvr", "axis-like", "hanwha-like", "tapo-like", "onvif-generic",
    "printer", "router", "hostile-sadp-bomb", "hostile-soap-bomb", "hostile-huge-body", "hostile-slow-drip",
    "hostile-bad-dhip", "hostile-invalid-utf8", "hostile-html-name",
)


def multicast_on_loopback() -> bool:
    """True where a multicast route to lo exists (the test namespace sets one up)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
            s.sendto(b"", ("239.255.255.250", 9))
        return True
    except OSError:
        return False


class Fleet:
    def __init__(self, lab: Lab) -> None:
        self.lab = lab

    def by_profile(self, profile: str) -> Device:
        return next(d for d in self.lab.devices if d.profile.id == profile)


@pytest.fixture(scope="package")
def fleet() -> Iterator[Fleet]:
    """One device of every profile, with multicast hubs and mDNS on loopback where available."""
    mc = multicast_on_loopback()
    lab = Lab([FleetEntry(p, 1) for p in ALL_PROFILES], base="127.0.1.10", multicast=mc, mdns=mc)
    with LabThread(lab):
        yield Fleet(lab)
