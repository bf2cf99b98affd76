"""Generated import files of N lines per format (tests and bench/import_bench.py): every 10th host carries a
Hikvision MAC prefix, every 10th+1 a Dahua one, the rest a locally administered (vendor-less) MAC; BAD_EVERY
lines (or lease blocks) are broken on purpose, at line numbers the generator returns."""

from __future__ import annotations

from collections.abc import Callable

HIK, DAHUA, OTHER = "28:57:be", "3c:ef:8c", "02:00:5e"  # 28:57:BE, 3C:EF:8C: IEEE-registered to Hikvision, Dahua
BAD_EVERY = 5000


def mac(i: int) -> str:
    prefix = HIK if i % 10 == 0 else DAHUA if i % 10 == 1 else OTHER
    return f"{prefix}:{(i >> 16) & 255:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}"


def ip(i: int) -> str:
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


def expected_sponsors(hosts: int) -> int:
    return sum(1 for i in range(hosts) if i % 10 in (0, 1))


def dnsmasq(lines: int) -> tuple[str, list[int]]:
    out, bad = [], []
    for n in range(1, lines + 1):
        if n % BAD_EVERY == 0:
            out.append(f"1750000000 not-a-mac {ip(n)} broken")
            bad.append(n)
        else:
            out.append(f"1750000000 {mac(n)} {ip(n)} host-{n} 01:{mac(n)}")
    return "\n".join(out) + "\n", bad


def kea(lines: int) -> tuple[str, list[int]]:
    out = ["address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context,"
           "pool_id"]
    bad = []
    for n in range(2, lines + 1):
        if n % BAD_EVERY == 0:
            out.append(f"999.1.1.1,{mac(n)},,4000,1750000000,1,0,0,host-{n},0,,0")
            bad.append(n)
        else:
            out.append(f"{ip(n)},{mac(n)},,4000,1750000000,1,0,0,host-{n}.example.,0,,0")
    return "\n".join(out) + "\n", bad


def dhcpd(lines: int) -> tuple[str, list[int]]:
    out = ["# The format of this file is documented in the dhcpd.leases(5) manual page.", ""]
    bad, i = [], 0
    while len(out) + 9 <= lines:
        i += 1
        start = len(out) + 1
        broken = i % (BAD_EVERY // 9) == 0
        out += [f"lease {ip(i)} {{", "  starts 3 2026/10/07 10:00:00;", "  ends 3 2026/10/07 22:00:00;",
                "  binding state active;", "  next binding state free;",
                "  hardware ethernet " + ("zz:zz" if broken else mac(i)) + ";", f'  client-hostname "host-{i}";',
                "}", ""]
        if broken:
            bad.append(start)
    return "\n".join(out) + "\n", bad


def ip_neigh(lines: int) -> tuple[str, list[int]]:
    return "\n".join(f"{ip(n)} dev eth0 lladdr {mac(n)} STALE" if n % BAD_EVERY else f"{ip(n)} dev eth0  FAILED"
                     for n in range(1, lines + 1)) + "\n", []


def arp_a(lines: int) -> tuple[str, list[int]]:
    rows = ["", "Interface: 10.0.0.1 --- 0x5", "  Internet Address      Physical Address      Type"]
    rows += [f"  {ip(n):<22}{mac(n).replace(':', '-'):<22}dynamic" for n in range(4, lines + 1)]
    return "\n".join(rows) + "\n", []


def cisco_arp(lines: int) -> tuple[str, list[int]]:
    def dotted(m: str) -> str:
        h = m.replace(":", "")
        return f"{h[:4]}.{h[4:8]}.{h[8:]}"

    rows = ["Protocol  Address          Age (min)  Hardware Addr   Type   Interface"]
    rows += [f"Internet  {ip(n):<17}{n % 240:>3}   {dotted(mac(n))}  ARPA   Vlan10" for n in range(2, lines + 1)]
    return "\n".join(rows) + "\n", []


def cisco_mac(lines: int) -> tuple[str, list[int]]:
    def dotted(m: str) -> str:
        h = m.replace(":", "")
        return f"{h[:4]}.{h[4:8]}.{h[8:]}"

    rows = ["          Mac Address Table", "-------------------------------------------", "",
            "Vlan    Mac Address       Type        Ports", "----    -----------       --------    -----"]
    rows += [f"  10    {dotted(mac(n))}    DYNAMIC     Gi1/0/{n % 48 + 1}" for n in range(6, lines + 1)]
    return "\n".join(rows) + "\n", []


def csv_export(lines: int) -> tuple[str, list[int]]:
    rows = ["IP,MAC Address,Hostname,Model"]
    bad = []
    for n in range(2, lines + 1):
        if n % BAD_EVERY == 0:
            rows.append(f"10.0.0.x,{mac(n)},host-{n},")
            bad.append(n)
        else:
            rows.append(f"{ip(n)},{mac(n).upper()},host-{n},{'DS-2CD2143G0-I' if n % 10 == 5 else ''}")
    return "\n".join(rows) + "\n", bad


def nmap_xml(lines: int) -> tuple[str, list[int]]:
    head = ['<?xml version="1.0" encoding="UTF-8"?>', '<nmaprun scanner="nmap" args="nmap -sV" version="7.94">']
    hosts = []
    for n in range(1, (lines - 3) // 6 + 1):
        product = ' product="Hikvision IP camera httpd"' if n % 10 == 2 else ""
        hosts += ['<host><status state="up" reason="arp-response"/>', f'<address addr="{ip(n)}" addrtype="ipv4"/>',
                  f'<address addr="{mac(n).upper()}" addrtype="mac"/>',
                  '<ports><port protocol="tcp" portid="80"><state state="open" reason="syn-ack"/>',
                  f'<service name="http"{product} method="probed" conf="10"/></port></ports>', "</host>"]
    return "\n".join([*head, *hosts, "</nmaprun>"]) + "\n", []


GENERATORS: dict[str, Callable[[int], tuple[str, list[int]]]] = {
    "nmap-xml": nmap_xml, "dhcpd": dhcpd, "dnsmasq": dnsmasq, "kea": kea, "ip-neigh": ip_neigh, "arp-a": arp_a,
    "cisco-mac": cisco_mac, "cisco-arp": cisco_arp, "csv": csv_export,
}
