"""Discovery (I/O): targets and scope guard, port scan, discovery and banner probes, the scan itself."""
