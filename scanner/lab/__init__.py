"""The device lab: simulated Hikvision, Dahua, OEM, other and hostile devices on loopback addresses."""

from __future__ import annotations

from scanner.lab.device import Device, LogEntry
from scanner.lab.fleet import Lab, LabThread, addresses
from scanner.lab.profiles import DEFAULT_FLEET, FleetEntry, LabError, Profile, load_profiles

__all__ = ["DEFAULT_FLEET", "Device", "FleetEntry", "Lab", "LabError", "LabThread", "LogEntry", "Profile",
           "addresses", "load_profiles"]
