#!/usr/bin/python3
# Stands in for systemd-oomd on a private test bus: owns org.freedesktop.oom1 and, for every line read
# on stdin ("<cgroup> <reason>"), emits org.freedesktop.oom1.Manager.Killed(s, s) from
# /org/freedesktop/oom1 — the signal systemd-oomd sends after a kill. Raw D-Bus over the unix socket
# (stdlib only: Debian's python3 here has no dbus module). Prints "owned" once the name is ours.
import os, socket, struct, sys

def pad(b, n):
    while len(b) % n:
        b.append(0)

def string(b, s):
    pad(b, 4)
    v = s.encode()
    b += struct.pack('<I', len(v)) + v + b'\0'

def message(mtype, serial, fields, signature, body_strings, flags=0):
    body = bytearray()
    for kind, v in body_strings:
        if kind == 's':
            string(body, v)
        else:
            pad(body, 4)
            body += struct.pack('<I', v)
    h = bytearray(b'l' + bytes([mtype, flags, 1]) + struct.pack('<II', len(body), serial) + b'\0\0\0\0')
    start = len(h)
    all_fields = list(fields) + ([(8, 'g', signature)] if signature else [])
    for code, sc, val in all_fields:
        pad(h, 8)
        h.append(code)
        h += bytes([1]) + sc.encode() + b'\0'
        if sc in 'so':
            string(h, val)
        else:
            v = val.encode()
            h += bytes([len(v)]) + v + b'\0'
    struct.pack_into('<I', h, 12, len(h) - start)
    pad(h, 8)
    return bytes(h + body)

path = os.environ['DBUS_SYSTEM_BUS_ADDRESS'].split('unix:path=', 1)[1].split(',')[0]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.connect(path)
sock.sendall(b'\0AUTH EXTERNAL ' + str(os.getuid()).encode().hex().encode() + b'\r\n')
if not sock.recv(4096).startswith(b'OK'):
    sys.exit('auth failed')
sock.sendall(b'BEGIN\r\n')
bus = [(1, 'o', '/org/freedesktop/DBus'), (6, 's', 'org.freedesktop.DBus'), (2, 's', 'org.freedesktop.DBus')]
sock.sendall(message(1, 1, bus + [(3, 's', 'Hello')], '', []))
sock.sendall(message(1, 2, bus + [(3, 's', 'RequestName')], 'su', [('s', 'org.freedesktop.oom1'), ('u', 4)]))
got = b''
sock.settimeout(5)
while got.count(b'org.freedesktop.oom1') < 1:
    got += sock.recv(65536)  # NameAcquired carries the name
print('owned', flush=True)
serial = 3
for line in sys.stdin:
    cgroup, reason = line.strip().split(' ', 1)
    sig = [(1, 'o', '/org/freedesktop/oom1'), (2, 's', 'org.freedesktop.oom1.Manager'), (3, 's', 'Killed')]
    sock.sendall(message(4, serial, sig, 'ss', [('s', cgroup), ('s', reason)]))
    serial += 1
    print('sent', flush=True)
