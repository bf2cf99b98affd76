"""Importing device lists admins already hold (nmap XML, DHCP leases, neighbour and switch tables, CSV)."""
