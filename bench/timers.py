#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Timers and cross-thread posts beside libuv and standalone Asio (issue 12).

    bench/timers.py                # build Release, run everything (about 2 minutes on 2 cores)
    bench/timers.py --quick        # fewer rounds and posts (under a minute)
    bench/timers.py --no-build --rounds 7
    bench/run --timers [...]       # the same

Builds build/bench (cmake -S bench -G Ninja -DCMAKE_BUILD_TYPE=Release, the
timers_bench and timers_alloc targets), then runs, in this order:

  timers   for N in 1000, 100000, 1000000: each round runs ours, libuv and
           Asio once each, one process per run, the order of the three
           changing from round to round (all six orders in turn); ns per
           operation (N schedules + N/2 cancels + N/2 fires, thread CPU
           time); ratios are taken within a round, then the median over rounds
  posts    1e6 posts from a producer thread, the same rounds and orders
  latency  10000 single posts to an idle loop per run: p50 and p99 per run,
           the median of those over rounds
  allocs   timers_alloc: operator new calls per call_every fire (and per
           re-armed call_later, reset() and posted call) over 100000 fires
           after 1000 of warm-up (deterministic: one run)

and writes the "Timers and cross-thread posts" section of bench/RESULTS.md
(between its markers; the rest of the file is kept), bench/timers.json and
bench/timers.png. See bench/timers_bench.cpp for what each peer does.
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PEERS = ["ours", "uv", "asio"]
PEER_NAMES = {"ours": "ours (asyncore)", "uv": "libuv", "asio": "Asio"}
ORDERS = [["ours", "uv", "asio"], ["asio", "uv", "ours"], ["uv", "asio", "ours"],
          ["ours", "asio", "uv"], ["asio", "ours", "uv"], ["uv", "ours", "asio"]]
SIZES = [1000, 100000, 1000000]
BEGIN = "<!-- timers:begin (bench/timers.py writes this section) -->"
END = "<!-- timers:end -->"


def log(msg):
    print(f"[timers] {msg}", file=sys.stderr, flush=True)


def build(build_dir):
    subprocess.run(["cmake", "-S", HERE, "-B", build_dir, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", build_dir, "-j2", "--target", "timers_bench", "timers_alloc"], check=True)


def parse(line):
    return {k: float(v) for k, v in re.findall(r"(\w+)=([-0-9.]+)", line)}


def run(argv, timeout=120):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {p.returncode}: {p.stderr.strip()}")
    return p.stdout


def pkg_version(name):
    p = subprocess.run(["dpkg-query", "-W", "-f=${Version}", name], capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 else "?"


def machine():
    info = {}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for key in ("Model name", "CPU(s)", "Thread(s) per core", "Hypervisor vendor"):
            m = re.search(rf"^{re.escape(key)}:\s*(.+)$", out, re.M)
            if m:
                info[key] = m.group(1).strip()
    except OSError:
        pass
    info["kernel"] = platform.release()
    with open("/proc/loadavg") as f:
        info["load average at start"] = " ".join(f.read().split()[:3])
    cc = subprocess.run(["c++", "--version"], capture_output=True, text=True).stdout.splitlines()
    info["compiler"] = cc[0] if cc else "?"
    info["libasio-dev"] = pkg_version("libasio-dev")
    info["libuv1-dev"] = pkg_version("libuv1-dev")
    return info


def git_head():
    p = subprocess.run(["git", "-C", REPO, "log", "-1", "--format=%h %s"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--", "src", "include"],
                           capture_output=True, text=True).stdout.strip()
    return p.stdout.strip() + (" (with local changes in src/ or include/)" if dirty else "")


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def spread(xs):
    return (min(xs), max(xs)) if xs else (float("nan"), float("nan"))


def run_rounds(bench, mode, arg, rounds, key):
    """Per peer: list of parsed dicts, one per round (in round order)."""
    res = {p: [] for p in PEERS}
    for r in range(rounds):
        for peer in ORDERS[r % len(ORDERS)]:
            res[peer].append(parse(run([bench, mode, peer, str(arg)])))
        log(f"{mode} {arg} round {r + 1}/{rounds}: " +
            ", ".join(f"{p} {res[p][-1][key]:.4g}" for p in PEERS))
    return res


def ratios(res, key, a, b):
    return [x[key] / y[key] for x, y in zip(res[a], res[b])]


def fmt(x, nd=1):
    if x >= 1e6:
        return f"{x / 1e6:.2f} M"
    return f"{x:,.{nd}f}"


def write_section(out_path, data):
    meta, tim, posts, lat, allocs = data["meta"], data["timers"], data["posts"], data["latency"], data["allocs"]
    w = []
    w.append(BEGIN)
    w.append("## Timers and cross-thread posts (issue 12)")
    w.append("")
    w.append(f"Generated by `bench/timers.py` (the same as `bench/run --timers`) on {meta['date']} in "
             f"{meta['minutes']:.1f} minutes; library at {meta['head']}. Reproduce with:")
    w.append("")
    w.append("    " + meta["command"])
    w.append("")
    w.append(f"{meta['rounds']} rounds; in each round every peer runs once, one process per run, the order of "
             "the three changing from round to round (all six orders in turn); figures are medians over "
             "rounds, ratios are taken within a round and then the median, and the range in brackets is the "
             "smallest and largest per-round value. The machine is a shared 2-core virtual machine (other "
             "builds run at the same time): compare ratios, not absolute figures.")
    w.append("")
    w.append("Machine: " + "; ".join(f"{k}: {v}" for k, v in meta["machine"].items()) + ".")
    w.append("")
    w.append("Peers (bench/timers_bench.cpp): ours is `asyncore::call_later` + `timer::cancel` + "
             "`asyncore::loop` (epoll) on a `socket_map`; libuv is `uv_timer_init`/`uv_timer_start`/"
             "`uv_timer_stop`/`uv_run`; Asio is `steady_timer::async_wait`/`cancel`/`io_context::run`. "
             "Timer i is due 1 ms + (i × 2654435761 mod 2³²) mod 50 ms after it is made (libuv: rounded up to "
             "its millisecond), every odd timer is cancelled, the process sleeps (untimed) until all are due, "
             "then the loop runs once through all of them. Each peer keeps its N handles in an array it "
             "allocates inside the timed region. Time is the thread's CPU time; one operation is a schedule, a "
             "cancel or a fire (2N per run).")
    w.append("")
    w.append("### Schedule N, cancel half, fire the rest: ns per operation")
    w.append("")
    w.append("| N | ours | libuv | Asio | ours / libuv | ours / Asio |")
    w.append("|---|---:|---:|---:|---:|---:|")
    for n in SIZES:
        r = tim[str(n)]
        cells = []
        for p in PEERS:
            xs = [x["ns_per_op"] for x in r[p]]
            lo, hi = spread(xs)
            cells.append(f"{med(xs):.0f} [{lo:.0f}–{hi:.0f}]")
        for b in ("uv", "asio"):
            rs = ratios(r, "ns_per_op", "ours", b)
            lo, hi = spread(rs)
            cells.append(f"{med(rs):.2f}× [{lo:.2f}–{hi:.2f}]")
        w.append(f"| {n:,} | " + " | ".join(cells) + " |")
    w.append("")
    w.append("Growth, ns per operation at N = 1,000,000 over N = 1,000 (log₂ 10⁶ / log₂ 10³ = 2.0 is pure "
             "O(log n); more is the memory hierarchy: at 10⁶ timers the heap no longer fits in cache):")
    w.append("")
    w.append("| | ours | libuv | Asio |")
    w.append("|---|---:|---:|---:|")
    g = {}
    for p in PEERS:
        a = [x["ns_per_op"] for x in tim[str(SIZES[-1])][p]]
        b = [x["ns_per_op"] for x in tim[str(SIZES[0])][p]]
        g[p] = med(a) / med(b)
    w.append("| 10⁶ / 10³ | " + " | ".join(f"{g[p]:.2f}×" for p in PEERS) + " |")
    for n0, n1 in ((SIZES[0], SIZES[1]), (SIZES[1], SIZES[2])):
        cells = []
        for p in PEERS:
            a = med([x["ns_per_op"] for x in tim[str(n1)][p]])
            b = med([x["ns_per_op"] for x in tim[str(n0)][p]])
            cells.append(f"{a / b:.2f}×")
        w.append(f"| {n1:,} / {n0:,} (log ratio {math.log2(n1) / math.log2(n0):.2f}) | " + " | ".join(cells) + " |")
    w.append("")
    w.append("Per phase, ns per schedule / per cancel / per fire (medians):")
    w.append("")
    w.append("| N | ours | libuv | Asio |")
    w.append("|---|---:|---:|---:|")
    for n in SIZES:
        cells = []
        for p in PEERS:
            r = tim[str(n)][p]
            cells.append(" / ".join(f"{med([x[k] for x in r]):.0f}" for k in ("schedule_ns", "cancel_ns", "fire_ns")))
        w.append(f"| {n:,} | " + " | ".join(cells) + " |")
    w.append("")
    w.append(f"![ns per operation, posts per second, wake-up latency](timers.png)")
    w.append("")
    w.append(f"### Cross-thread posts: {int(meta['posts']):,} posts from a producer thread")
    w.append("")
    w.append("Ours: `call_soon_threadsafe`; Asio: `asio::post` to the `io_context`; libuv: a `std::mutex`-"
             "protected `std::vector<std::function<void()>>` and `uv_async_send` (the async callback swaps the "
             "vector out and runs it). Posts per second is the count over the wall time from the first post "
             "to the last call run; producer ns per post is the producer's own time per post.")
    w.append("")
    w.append("| | ours | libuv | Asio | ours / Asio |")
    w.append("|---|---:|---:|---:|---:|")
    cells = []
    for p in PEERS:
        xs = [x["posts_per_s"] for x in posts[p]]
        lo, hi = spread(xs)
        cells.append(f"{med(xs) / 1e6:.2f} M [{lo / 1e6:.2f}–{hi / 1e6:.2f}]")
    rs = ratios(posts, "posts_per_s", "ours", "asio")
    lo, hi = spread(rs)
    w.append("| posts per second | " + " | ".join(cells) + f" | {med(rs):.2f}× [{lo:.2f}–{hi:.2f}] |")
    cells = [f"{med([x['producer_ns_per_post'] for x in posts[p]]):.0f}" for p in PEERS]
    rs = ratios(posts, "producer_ns_per_post", "ours", "asio")
    w.append("| producer ns per post | " + " | ".join(cells) + f" | {med(rs):.2f}× |")
    w.append("")
    w.append(f"### Wake-up latency: {int(meta['latency_posts']):,} single posts to an idle loop, µs from post to callback")
    w.append("")
    w.append("The loop waits with a long timeout; the producer stamps `steady_clock` before posting, the "
             "callback after; the producer waits for the callback and 100 µs more before the next post. "
             "p50 and p99 per run, medians over rounds [range].")
    w.append("")
    w.append("| | ours | libuv | Asio |")
    w.append("|---|---:|---:|---:|")
    for k, label in (("p50_us", "p50"), ("p99_us", "p99")):
        cells = []
        for p in PEERS:
            xs = [x[k] for x in lat[p]]
            lo, hi = spread(xs)
            cells.append(f"{med(xs):.1f} [{lo:.1f}–{hi:.1f}]")
        w.append(f"| {label} | " + " | ".join(cells) + " |")
    w.append("")
    w.append(f"### Allocations (bench/timers_alloc.cpp: a replaced global operator new, {int(meta['alloc_fires']):,} "
             "fires after 1,000 of warm-up, the loop's own iterations counted too)")
    w.append("")
    w.append("| case | operator new calls | per fire |")
    w.append("|---|---:|---:|")
    labels = {"call_every": "`call_every(1 µs)`, loop(0.0)",
              "call_later": "`call_later(0)` made by the previous one's callback",
              "reset": "one `call_later(0)` re-armed with `timer::reset()`",
              "post": "`call_soon_threadsafe` from a thread, one at a time (both threads counted)"}
    for k, v in allocs.items():
        w.append(f"| {labels.get(k, k)} | {int(v['allocs'])} | {v['per_fire']:g} |")
    w.append("")
    w.append("### Targets")
    w.append("")
    w.append("| target | measured (median per-round ratio [range]) | met |")
    w.append("|---|---|---|")
    for n in SIZES:
        for b in ("uv", "asio"):
            rs = ratios(tim[str(n)], "ns_per_op", "ours", b)
            lo, hi = spread(rs)
            ok = "yes" if med(rs) <= 1.0 else "no"
            w.append(f"| ns per timer operation ≤ {PEER_NAMES[b]}, N = {n:,} | {med(rs):.2f}× [{lo:.2f}–{hi:.2f}] | {ok} |")
    ok = "yes" if g["ours"] <= 2.0 * 1.1 else "no"
    w.append(f"| O(log n) growth: ns/op at 10⁶ ≤ 2.0 (+10%) × ns/op at 10³ | {g['ours']:.2f}× "
             f"(libuv {g['uv']:.2f}×, Asio {g['asio']:.2f}×) | {ok} |")
    rs = ratios(posts, "posts_per_s", "ours", "asio")
    lo, hi = spread(rs)
    w.append(f"| posts per second ≥ Asio's post | {med(rs):.2f}× [{lo:.2f}–{hi:.2f}] | {'yes' if med(rs) >= 1.0 else 'no'} |")
    a = allocs.get("call_every", {"per_fire": float("nan")})["per_fire"]
    w.append(f"| 0 allocations per call_every fire | {a:g} | {'yes' if a == 0 else 'no'} |")
    w.append("")
    if data.get("notes"):
        w.append(data["notes"].rstrip())
        w.append("")
    w.append(END)
    section = "\n".join(w)

    text = ""
    if os.path.exists(out_path):
        with open(out_path) as f:
            text = f.read()
    if BEGIN in text and END in text:
        pre = text[:text.index(BEGIN)]
        post = text[text.index(END) + len(END):]
        text = pre + section + post
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    with open(out_path, "w") as f:
        f.write(text)


def chart(path, data):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        # Debian's python3-matplotlib is for /usr/bin/python3: draw with it
        # when this is another Python (a pyenv or a venv).
        if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != "/usr/bin/python3" \
                and not os.environ.get("TIMERS_CHART_CHILD"):
            jpath = os.path.join(os.path.dirname(path), "timers.json")
            env = dict(os.environ, TIMERS_CHART_CHILD="1")
            if subprocess.run(["/usr/bin/python3", os.path.abspath(__file__), "--chart", jpath, path], env=env).returncode == 0:
                return
        log("no matplotlib (apt-get install python3-matplotlib): no chart")
        return
    tim, posts, lat = data["timers"], data["posts"], data["latency"]
    colors = {"ours": "#1f77b4", "uv": "#2ca02c", "asio": "#d62728"}
    fig, ax = plt.subplots(1, 3, figsize=(13, 4))
    for p in PEERS:
        ys = [med([x["ns_per_op"] for x in tim[str(n)][p]]) for n in SIZES]
        lo = [y - min(x["ns_per_op"] for x in tim[str(n)][p]) for y, n in zip(ys, SIZES)]
        hi = [max(x["ns_per_op"] for x in tim[str(n)][p]) - y for y, n in zip(ys, SIZES)]
        ax[0].errorbar(SIZES, ys, yerr=[lo, hi], marker="o", capsize=3, label=PEER_NAMES[p], color=colors[p])
    ax[0].set_xscale("log")
    ax[0].set_xlabel("timers N")
    ax[0].set_ylabel("ns per operation (median, range)")
    ax[0].set_title("schedule N, cancel N/2, fire N/2")
    ax[0].legend()
    xs = range(len(PEERS))
    ax[1].bar(xs, [med([x["posts_per_s"] for x in posts[p]]) / 1e6 for p in PEERS],
              color=[colors[p] for p in PEERS])
    ax[1].set_xticks(list(xs), [PEER_NAMES[p] for p in PEERS])
    ax[1].set_ylabel("million posts per second (median)")
    ax[1].set_title("cross-thread posts")
    width = 0.38
    ax[2].bar([i - width / 2 for i in xs], [med([x["p50_us"] for x in lat[p]]) for p in PEERS], width, label="p50",
              color=[colors[p] for p in PEERS])
    ax[2].bar([i + width / 2 for i in xs], [med([x["p99_us"] for x in lat[p]]) for p in PEERS], width, label="p99",
              color=[colors[p] for p in PEERS], alpha=0.5)
    ax[2].set_xticks(list(xs), [PEER_NAMES[p] for p in PEERS])
    ax[2].set_ylabel("µs post to callback (median over rounds)")
    ax[2].set_title("wake-up latency (p50 solid, p99 light)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, help="rounds (default 5; --quick 3)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--posts", type=int, help="posts per run (default 1000000)")
    ap.add_argument("--latency-posts", type=int, help="single posts per latency run (default 10000)")
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build", "bench"))
    ap.add_argument("--out", default=HERE, help="where RESULTS.md, timers.json and timers.png go")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--report", action="store_true", help="only rewrite the section and chart from timers.json")
    ap.add_argument("--notes", help="a file whose text goes at the end of the section")
    ap.add_argument("--chart", nargs=2, metavar=("JSON", "PNG"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.chart:
        with open(a.chart[0]) as f:
            chart(a.chart[1], json.load(f))
        return
    jpath = os.path.join(a.out, "timers.json")
    if a.report:
        with open(jpath) as f:
            data = json.load(f)
        if a.notes:
            with open(a.notes) as f:
                data["notes"] = f.read()
            with open(jpath, "w") as f:
                json.dump(data, f, indent=1)
        write_section(os.path.join(a.out, "RESULTS.md"), data)
        chart(os.path.join(a.out, "timers.png"), data)
        log(f"rewrote the section of {os.path.join(a.out, 'RESULTS.md')} from {jpath}")
        return
    rounds = a.rounds or (3 if a.quick else 5)
    nposts = a.posts or (200000 if a.quick else 1000000)
    nlat = a.latency_posts or (3000 if a.quick else 10000)
    started = time.monotonic()
    if not a.no_build:
        build(a.build_dir)
    bench = os.path.join(a.build_dir, "timers_bench")
    alloc = os.path.join(a.build_dir, "timers_alloc")
    info = machine()
    data = {"timers": {}, "posts": None, "latency": None, "allocs": {}}
    for n in SIZES:
        data["timers"][str(n)] = run_rounds(bench, "timers", n, rounds, "ns_per_op")
    data["posts"] = run_rounds(bench, "posts", nposts, rounds, "posts_per_s")
    data["latency"] = run_rounds(bench, "latency", nlat, max(3, rounds - 2), "p50_us")
    alloc_fires = 100000
    for line in run([alloc, str(alloc_fires)], timeout=300).splitlines():
        name = line.split()[0]
        data["allocs"][name] = parse(line)
    log("allocs: " + ", ".join(f"{k} {v['per_fire']:g}" for k, v in data["allocs"].items()))
    cmd = "bench/timers.py" + ("" if not a.quick else " --quick") + (f" --rounds {a.rounds}" if a.rounds else "")
    data["meta"] = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "minutes": (time.monotonic() - started) / 60,
        "head": git_head(),
        "command": cmd + "    # from the repository's top; needs cmake g++ ninja-build pkg-config libasio-dev "
                         "libuv1-dev python3-matplotlib",
        "rounds": rounds,
        "posts": nposts,
        "latency_posts": nlat,
        "alloc_fires": alloc_fires,
        "machine": info,
    }
    if a.notes:
        with open(a.notes) as f:
            data["notes"] = f.read()
    with open(jpath, "w") as f:
        json.dump(data, f, indent=1)
    write_section(os.path.join(a.out, "RESULTS.md"), data)
    chart(os.path.join(a.out, "timers.png"), data)
    print(open(os.path.join(a.out, "RESULTS.md")).read().split(BEGIN)[1].split(END)[0])
    log(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
