#!/usr/bin/env python3
"""Replays a recorded SSE transcript to every POST, one byte per TCP segment
(TCP_NODELAY, a send per byte, a short pause every few bytes), so the client
sees the stream cut at every possible place: inside field names, between
CR and LF, inside multi-byte UTF-8 sequences.

    sse_replay.py TRANSCRIPT      prints "PORT <n>" on stdout, then serves
                                  on 127.0.0.1 until killed or stdin closes
"""
import os
import socket
import sys
import threading
import time


def serve_one(conn, transcript):
    with conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        data = b""
        while b"\r\n\r\n" not in data:
            more = conn.recv(65536)
            if not more:
                return
            data += more
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            body += conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                     b"Cache-Control: no-cache\r\nConnection: close\r\n\r\n")
        for i in range(len(transcript)):
            conn.send(transcript[i:i + 1])
            if i % 7 == 0:
                time.sleep(0.0005)


def main():
    transcript = open(sys.argv[1], "rb").read()
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    print("PORT", srv.getsockname()[1], flush=True)
    # Exit when the test that started us goes away (its end of stdin closes).
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve_one, args=(conn, transcript), daemon=True).start()


if __name__ == "__main__":
    main()
