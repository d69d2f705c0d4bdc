#!/usr/bin/env python3
"""bench_python: what the Python binding adds to a plexus call, measured in
one run against the same call made from C.

The call is plx_call(p, "sentiment", {"text": <the 60-word ticket of
bench_local>}) on a provider of kind "local": it computes in the process,
so no network noise enters either side. Cases:

  C               bench_local --only sentiment (a C loop over plx_call), run
                  as a child process between the Python rounds
  ctypes raw      _ffi.lib.plx_call with the request as ready bytes, the
                  result read and given to plx_free: the floor of any
                  ctypes binding
  Provider.call   p.call("sentiment", {"text": TICKET}) -> dict: the
                  binding as used (json.dumps, checks, the call, json.loads)

Rounds interleave the cases (a slow moment of the machine hits all of
them); each figure is the median over rounds of wall and CPU microseconds
per call, and "over C" the median of the per-round differences. Target:
Provider.call adds < 10 us per call over C, judged on CPU time (on an idle
machine wall and CPU time of these single-threaded loops agree; on a busy
one wall time also counts the waits for a CPU, which are not the
binding's). The load average is printed with the figures.

    bench/bench_python.py [--build DIR] [--seconds S] [--rounds R] [--json]

The build dir (--build, else $BUILD, build/, /tmp/build-bench) provides
lib/libplexus.so.0 (unless PLEXUS_LIBRARY is set) and bench/bench_local.
Exit status 1 when a call failed (the run is invalid), 2 on bad usage.
"""
import argparse
import ctypes
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The same text as bench/bench_local.c's TICKET.
TICKET = ("Hi, I ordered a wireless router three weeks ago and it still has not arrived. "
          "The tracking page has shown the same status for ten days and nobody answers my "
          "emails. This is really frustrating because I work from home. Please send a "
          "replacement or refund my order as soon as possible. I have been a customer for "
          "years. Order number 88123.")


def find_build(given):
    for d in [given, os.environ.get("BUILD"), os.path.join(ROOT, "build"), "/tmp/build-bench"]:
        if d and os.path.isfile(os.path.join(d, "bench", "bench_local")):
            return os.path.abspath(d)
    return None


def time_loop(fn, seconds):
    """Runs fn() for about `seconds`; (wall us, cpu us) per call."""
    calls = 0
    wall0, cpu0 = time.perf_counter_ns(), time.process_time_ns()
    until = wall0 + int(seconds * 1e9)
    while True:
        for _ in range(200):
            fn()
        calls += 200
        if time.perf_counter_ns() >= until:
            break
    wall, cpu = time.perf_counter_ns() - wall0, time.process_time_ns() - cpu0
    return wall / 1e3 / calls, cpu / 1e3 / calls


def c_round(bench_local, seconds):
    out = subprocess.run([bench_local, "--only", "sentiment", "--seconds", str(seconds),
                          "--rounds", "1", "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"bench_local failed ({out.returncode}): {out.stderr.strip()}")
    case = next(c for c in json.loads(out.stdout)["cases"] if c["name"] == "sentiment")
    return case["us_per_call"], case["cpu_us_per_call"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", help="meson build dir (lib/libplexus.so.0, bench/bench_local)")
    ap.add_argument("--seconds", type=float, default=0.5, help="per case and round")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    o = ap.parse_args()
    if o.seconds <= 0 or o.rounds < 1:
        ap.error("--seconds and --rounds must be positive")
    build = find_build(o.build)
    if not build:
        print("bench_python: no build with bench/bench_local; build one first:\n"
              "  meson setup /tmp/build-bench -Dbuildtype=release && ninja -C /tmp/build-bench\n"
              "  (or pass --build DIR / set BUILD)", file=sys.stderr)
        return 2
    os.environ.setdefault("PLEXUS_LIBRARY", os.path.join(build, "lib", "libplexus.so.0"))
    sys.dont_write_bytecode = True      # no __pycache__ in the source tree
    sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
    import plexus
    from plexus import _ffi

    ctx = plexus.Context({"log_level": "none"})
    p = plexus.Provider(ctx, "local")
    request = {"text": TICKET}
    if p.call("sentiment", request)["label"] != "negative":
        print("bench_python: unexpected sentiment result: INVALID", file=sys.stderr)
        return 1

    lib, ptr = _ffi.lib, p._ptr()
    req_bytes = json.dumps(request).encode()
    out = ctypes.c_void_p()
    failed = [0]

    def raw():
        if lib.plx_call(ptr, b"sentiment", req_bytes, ctypes.byref(out)):
            failed[0] += 1
        ctypes.string_at(out.value)
        lib.plx_free(out.value)

    def wrapped():
        p.call("sentiment", request)

    cases = {"C plx_call (bench_local)": [], "ctypes raw plx_call": [],
             "Provider.call(dict) -> dict": []}
    names = list(cases)
    time_loop(raw, 0.1)
    time_loop(wrapped, 0.1)
    bench_local = os.path.join(build, "bench", "bench_local")
    for _ in range(o.rounds):
        cases[names[0]].append(c_round(bench_local, o.seconds))
        cases[names[1]].append(time_loop(raw, o.seconds))
        cases[names[2]].append(time_loop(wrapped, o.seconds))
    if failed[0]:
        print(f"bench_python: {failed[0]} raw calls failed: INVALID", file=sys.stderr)
        return 1

    c = cases[names[0]]
    rows = []
    for name in names:
        r = cases[name]
        rows.append({
            "name": name,
            "us_per_call": statistics.median(w for w, _ in r),
            "cpu_us_per_call": statistics.median(u for _, u in r),
            "over_c_us": statistics.median(w - cw for (w, _), (cw, _) in zip(r, c)),
            "over_c_cpu_us": statistics.median(u - cu for (_, u), (_, cu) in zip(r, c)),
            "ratio": statistics.median(w / cw for (w, _), (cw, _) in zip(r, c)),
            "best_us_per_call": min(w for w, _ in r),
            "best_cpu_us_per_call": min(u for _, u in r),
            "spread": (max(w for w, _ in r) - min(w for w, _ in r)) /
            statistics.median(w for w, _ in r),
        })
    overhead = rows[2]["over_c_us"]
    cpu_overhead = rows[2]["over_c_cpu_us"]
    best_overhead = rows[2]["best_us_per_call"] - rows[0]["best_us_per_call"]
    verdict = "PASS" if cpu_overhead < 10 else "FAIL"
    load = os.getloadavg()[0]
    if o.json:
        print(json.dumps({"op": "sentiment", "kind": "local", "rounds": o.rounds,
                          "seconds": o.seconds, "library": plexus.library_path(),
                          "python": sys.version.split()[0], "cases": rows,
                          "load_average": load, "cpus": os.cpu_count(),
                          "binding_overhead_us": overhead, "binding_overhead_cpu_us": cpu_overhead,
                          "best_binding_overhead_us": best_overhead, "target_us": 10,
                          "result": verdict}))
    else:
        print(f'plx_call op "sentiment" on kind "local", 60-word ticket; {o.rounds} rounds of '
              f"{o.seconds} s, medians (python {sys.version.split()[0]}, "
              f"{plexus.library_path()}; load average {load:.1f} on {os.cpu_count()} CPUs)")
        print(f"{'case':30} {'us/call':>8} {'cpu us':>8} {'+-%':>5} {'over C us':>10} "
              f"{'cpu over C':>10} {'ratio':>6} {'best us':>8}")
        for r in rows:
            print(f"{r['name']:30} {r['us_per_call']:8.2f} {r['cpu_us_per_call']:8.2f} "
                  f"{100 * r['spread']:5.0f} {r['over_c_us']:10.2f} {r['over_c_cpu_us']:10.2f} "
                  f"{r['ratio']:5.2f}x {r['best_us_per_call']:8.2f}")
        print(f"binding overhead per call: {cpu_overhead:+.2f} us CPU (target < 10 us): {verdict};"
              f" wall {overhead:+.2f} us (best rounds {best_overhead:+.2f} us)")
        if max(r["spread"] for r in rows) > 0.3:
            print("note: rounds differ by over 30%: the machine was busy; run again or raise "
                  "--rounds", file=sys.stderr)
    p.close()
    ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
