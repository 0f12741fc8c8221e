#!/usr/bin/env python3
"""(Copied from the field cases, shared/cases/net/_lib, with --chassis-ifname added.)
Send LLDP frames on an interface, as a switch would (for tests only).

Usage: lldp_send.py IFACE [--chassis-mac MAC | --chassis-local STR | --chassis-ifname STR]
                         [--port-mac MAC | --port-ifname STR | --port-local STR | --port-ifalias STR]
                         [--port-descr STR] [--sysname STR] [--ttl N] [--interval S] [--src MAC] [--count N]

Builds an IEEE 802.1AB LLDPDU (chassis ID, port ID, TTL, optional port
description and system name, end) and sends it to 01:80:c2:00:00:0e every
--interval seconds until killed (or --count frames).
"""
import argparse
import socket
import struct
import time


def tlv(t, value):
    return struct.pack("!H", (t << 9) | len(value)) + value


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("iface")
    p.add_argument("--chassis-mac")
    p.add_argument("--chassis-local")
    p.add_argument("--chassis-ifname")
    p.add_argument("--port-mac")
    p.add_argument("--port-ifname")
    p.add_argument("--port-local")
    p.add_argument("--port-ifalias")
    p.add_argument("--port-descr")
    p.add_argument("--sysname")
    p.add_argument("--ttl", type=int, default=120)
    p.add_argument("--interval", type=float, default=1.0)
    p.add_argument("--src", default="02:00:00:00:00:01")
    p.add_argument("--count", type=int, default=0)
    a = p.parse_args()

    if a.chassis_mac:
        chassis = tlv(1, b"\x04" + mac(a.chassis_mac))
    elif a.chassis_ifname:
        chassis = tlv(1, b"\x06" + a.chassis_ifname.encode())
    else:
        chassis = tlv(1, b"\x07" + a.chassis_local.encode())
    if a.port_mac:
        port = tlv(2, b"\x03" + mac(a.port_mac))
    elif a.port_ifname:
        port = tlv(2, b"\x05" + a.port_ifname.encode())
    elif a.port_ifalias:
        port = tlv(2, b"\x01" + a.port_ifalias.encode())
    else:
        port = tlv(2, b"\x07" + a.port_local.encode())
    pdu = chassis + port + tlv(3, struct.pack("!H", a.ttl))
    if a.port_descr is not None:
        pdu += tlv(4, a.port_descr.encode())
    if a.sysname is not None:
        pdu += tlv(5, a.sysname.encode())
    pdu += tlv(0, b"")
    frame = mac("01:80:c2:00:00:0e") + mac(a.src) + b"\x88\xcc" + pdu
    if len(frame) < 60:
        frame += b"\x00" * (60 - len(frame))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    n = 0
    while True:
        s.send(frame)
        n += 1
        if a.count and n >= a.count:
            return
        time.sleep(a.interval)


main()
