#!/usr/bin/env python3
"""Load and soak benchmark of the HTTP request path (issue 10).

Usage: Benchmarks/http_load.py [--bin PATH] [--seconds 15] [--rounds 3] [--soak-seconds 60] [--port 8097] [--arena-max 2]

The server runs with MALLOC_ARENA_MAX=2 as scripts/server sets it (`--arena-max 0`: glibc's default); RENDER_CACHE_MB,
SQLITE_SYNCHRONOUS and SWIFT_EXECUTOR pass through from the environment, to compare (e.g. `RENDER_CACHE_MB=0`).

Loads the demo (`thonso demo`) into a scratch SQLite file under /tmp, starts `thonso serve --env production --demo`
on it (loopback only; the demo accounts are made at start), signs in as a
commune official (demo account `xa`) and, by a household card the official issues, as a household; publishes one
notice to the demo commune and waits for its fan-out. Then runs wrk (2 threads x 64 connections, `--seconds` each)
against: /livez (no database), /healthz (SELECT 1), a public procedure guide, the household's inbox, a village's
household list and the notice's reach page, in `--rounds` rounds of pairs (/healthz, then a page right after it);
prints requests/s, its share of the paired /healthz's (the median of the rounds), p50/p95/p99,
errors, and the server's RSS idle and after the runs. Then a soak: 500 connections for `--soak-seconds` over the same
mix; prints errors and the RSS after it and after a pause. Exits 1 when a goal is missed (documented in
docs/benchmarks.md). Needs wrk (scripts/bootstrap installs it) and a release build:
`swift build -c release --product thonso`.
"""
import argparse, http.cookiejar, json, os, re, shutil, signal, subprocess, sys, tempfile, time, urllib.parse, urllib.request

LUA = r'''
local paths = {}
local cookies = {}
local i = 0
function init(args)
  for n = 1, #args, 2 do paths[#paths + 1] = args[n]; cookies[#cookies + 1] = args[n + 1] end
end
function request()
  i = i % #paths + 1
  local h = {}
  if cookies[i] ~= "-" then h["Cookie"] = cookies[i] end
  return wrk.format("GET", paths[i], h)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("JSON {\"requests\":%d,\"seconds\":%f,\"p50\":%f,\"p95\":%f,\"p99\":%f,\"connect\":%d,\"read\":%d,\"write\":%d,\"status\":%d,\"timeout\":%d,\"bytes\":%d}\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3,
    e.connect, e.read, e.write, e.status, e.timeout, summary.bytes))
end
'''


def rss_mb(pid, field="VmRSS"):
    """Resident memory in MB: all of it (VmRSS), or its anonymous part (RssAnon: heap, stacks; not code)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid):
    """The process's CPU time so far (user + system), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Client:
    """A browser: a cookie jar, form tokens read from pages, no redirects followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), self.NoRedirect)

    def req(self, method, path, form=None, body=None, headers=None):
        data, h = None, dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
            h["Origin"] = self.base
        r = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with self.opener.open(r, timeout=60) as res:
                return res.status, res.read().decode("utf-8", "replace"), res.headers
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace"), e.headers

    def csrf(self, path):
        status, html, _ = self.req("GET", path)
        m = re.search(r'name="_csrf" value="([^"]+)"', html)
        if not m:
            sys.exit(f"no form token on {path} ({status})")
        return m.group(1)

    def cookie(self):
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def wrk(base, targets, threads, conns, seconds, lua):
    args = ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{seconds}s", "--timeout", "10s", "-s", lua, base, "--"]
    for path, cookie in targets:
        args += [path, cookie or "-"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    m = re.search(r"^JSON (.*)$", out, re.M)
    r = json.loads(m.group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    r["non2xx"] = int(non2xx.group(1)) if non2xx else 0
    r["rps"] = r["requests"] / r["seconds"]
    r["errors"] = r["connect"] + r["read"] + r["write"] + r["timeout"] + r["non2xx"]
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/release/thonso")
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--soak-seconds", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=3, help="rounds over the routes, one after another; each figure is the median round's")
    ap.add_argument("--port", type=int, default=8097)
    ap.add_argument("--arena-max", type=int, default=2, help="MALLOC_ARENA_MAX for the server, as scripts/server sets it; 0 leaves glibc's default")
    ap.add_argument("--setup-only", action="store_true", help="prepare, print the targets and their cookies, keep the server running until Ctrl-C")
    a = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: run scripts/bootstrap")
    base = f"http://127.0.0.1:{a.port}"
    work = tempfile.mkdtemp(prefix="thonso-bench-")
    lua = os.path.join(work, "mix.lua")
    with open(lua, "w") as f:
        f.write(LUA)
    env = dict(os.environ, DATABASE_PATH=os.path.join(work, "bench.sqlite"), HOST="127.0.0.1", PORT=str(a.port),
               PUBLIC_URL=base, UPLOADS_DIR=os.path.join(work, "uploads"))
    env.pop("DATABASE_URL", None)
    env.pop("MALLOC_ARENA_MAX", None)
    if a.arena_max > 0:
        env["MALLOC_ARENA_MAX"] = str(a.arena_max)
    log = open(os.path.join(work, "server.log"), "w")
    # The demo is loaded by its own process first, so the server's RSS is that of a server, not of a loader.
    subprocess.run([a.bin, "demo", "--env", "production"], env=env, stdout=log, stderr=subprocess.STDOUT, check=True)
    server = subprocess.Popen([a.bin, "serve", "--env", "production", "--demo"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        return run(a, base, server, lua)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)


def run(a, base, server, lua):
    deadline = time.time() + 600
    while True:
        try:
            with urllib.request.urlopen(base + "/livez", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.time() > deadline:
            with open(os.path.join(os.path.dirname(lua), "server.log"), errors="replace") as f:
                sys.stderr.write("".join(f.readlines()[-15:]))
            sys.exit("the server did not start")
        time.sleep(1)

    # An official signs in with a password, as a person would.
    official = Client(base)
    token = official.csrf("/signin")
    status, _, _ = official.req("POST", "/signin", form={"username": "xa", "password": "thonso-demo", "_csrf": token})
    assert status in (302, 303), f"sign-in answered {status}"
    _, body, _ = official.req("GET", "/api/v1/units?kind=village&q=T1&per=100")
    units = json.loads(body)["items"]
    village = next(u for u in units if u["kind"] == "village" and u["code"] == "T1")
    commune_id = village["parentId"]
    _, body, _ = official.req("GET", f"/api/v1/households?unit={village['id']}&per=1")
    household = json.loads(body)["items"][0]
    # 21 notices to the whole commune, published now (the inbox shows 20 a page, so its page is full and counted);
    # the server's worker fans them out. The first, a meeting, is the one whose reach page is measured.
    notices = []
    for k in range(21):
        fields = {"title": f"Thông báo đo hiệu năng số {k + 1}", "body": "Nội dung mẫu cho phép đo. " * 8,
                  "category": "meeting" if k == 0 else "notice", "unitIds": [commune_id], "channels": []}
        if k == 0:
            fields.update(startsAt=time.strftime("%Y-%m-%dT12:00:00Z", time.gmtime(time.time() + 86400 * 3)), place="Nhà văn hoá thôn")
        status, body, _ = official.req("POST", "/api/v1/announcements", body=fields)
        assert status in (200, 201), f"create notice answered {status}: {body[:300]}"
        nid = json.loads(body)["id"]
        status, body, _ = official.req("POST", f"/api/v1/announcements/{nid}/publish", body={})
        assert status == 200, f"publish answered {status}: {body[:300]}"
        notices.append(nid)
    notice = notices[0]
    # The official prints the household's card; the household signs in with it.
    token = official.csrf(f"/households/{household['id']}")
    status, html, _ = official.req("POST", f"/households/{household['id']}/card", form={"_csrf": token})
    m = re.search(re.escape(base) + r"(/card/[A-Za-z0-9_-]+)", html)
    assert m, f"no card link ({status})"
    home = Client(base)
    token = home.csrf(m.group(1))
    status, _, _ = home.req("POST", m.group(1), form={"_csrf": token})
    assert status in (302, 303), f"card sign-in answered {status}"
    for _ in range(300):   # fan-out
        status, body, _ = home.req("GET", "/api/v1/my/notices?per=100")
        # The demo's own notices reach the household too: wait until every one of ours is there.
        if status == 200 and set(notices) <= {i["id"] for i in json.loads(body).get("items", [])}:
            break
        time.sleep(1)
    else:
        sys.exit("the notices did not reach the household")
    status, html, _ = home.req("GET", "/my/announcements")
    inbox_bytes = len(html.encode())
    status, html, _ = Client(base).req("GET", "/p/09784/birthRegistration")
    assert status == 200, f"guide answered {status}"

    targets = [
        ("/livez", "liveness (no database)", None),
        ("/healthz", "/healthz (SELECT 1)", None),
        ("/p/09784/birthRegistration", "procedure guide (public)", None),
        ("/my/announcements", "household inbox (card)", home.cookie()),
        (f"/units/{village['id']}/households", "village household list (official)", official.cookie()),
        (f"/announcements/{notice}/reach", "notice reach page (official)", official.cookie()),
    ]
    if a.setup_only:
        for path, name, cookie in targets:
            print(f"{name}\t{base}{path}\t{cookie or ''}", flush=True)
        try:
            server.wait()
        except KeyboardInterrupt:
            pass
        return 0
    # Start-up's own work (the first hourly housekeeping counts the criteria dashboards) must not fall into a run:
    # wait until the server has used under 2% of a core for 3 s (at most 3 minutes).
    settle_deadline = time.time() + 180
    while time.time() < settle_deadline:
        before = cpu_seconds(server.pid)
        time.sleep(3)
        if cpu_seconds(server.pid) - before < 0.06:
            break
    idle = rss_mb(server.pid)
    print(f"server RSS idle: {idle:.1f} MB (anonymous {rss_mb(server.pid, 'RssAnon'):.1f} MB); household inbox page: {inbox_bytes / 1024:.1f} KB; MALLOC_ARENA_MAX={a.arena_max or 'glibc default'}"
          f", RENDER_CACHE_MB={os.environ.get('RENDER_CACHE_MB', '8')}, SQLITE_SYNCHRONOUS={os.environ.get('SQLITE_SYNCHRONOUS', 'full')}"
          f", SWIFT_EXECUTOR={os.environ.get('SWIFT_EXECUTOR', 'nio')}")
    rounds = max(1, a.rounds)
    print(f"wrk 2 threads x 64 connections, {a.seconds} s a run, {rounds} rounds; machine: {os.cpu_count()} cores, shared")
    # A page's share is measured in pairs: /healthz, then the page, right after it; /healthz's own share the same way,
    # after the liveness route. Each round takes every pair once; each figure below is the median of the rounds. (On
    # a shared machine the load moves from one minute to the next: a pair's two runs see the same load.)
    runs = {path: [] for path, _, _ in targets}
    shares = {path: [] for path, _, _ in targets}
    peak = idle
    for k in range(rounds):
        line = []
        for path, name, cookie in targets[1:]:
            ref_path = "/livez" if path == "/healthz" else "/healthz"
            ref_cookie = next(c for p_, _, c in targets if p_ == ref_path)
            ref = wrk(base, [(ref_path, ref_cookie)], 2, 64, a.seconds, lua)
            r = wrk(base, [(path, cookie)], 2, 64, a.seconds, lua)
            runs[ref_path].append(ref)
            runs[path].append(r)
            shares[path].append(r["rps"] / ref["rps"])
            peak = max(peak, rss_mb(server.pid))
            line.append(f"{name.split(' (')[0]} {r['rps']:.0f} ({100 * shares[path][-1]:.0f}% of {ref['rps']:.0f})")
        print(f"round {k + 1}: " + ", ".join(line), flush=True)

    def median(xs):
        xs = sorted(xs)
        return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2

    print(f"{'route':38} {'req/s':>9} {'share':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    results, share_of = {}, {}
    for path, name, _ in targets:
        rs = sorted(runs[path], key=lambda r: r["rps"])
        r = dict(rs[len(rs) // 2])
        r["rps"] = median([x["rps"] for x in runs[path]])
        r["errors"] = sum(x["errors"] for x in runs[path])
        results[path] = r
        share_of[path] = median(shares[path]) if path != "/livez" else None
        share = "" if path == "/livez" else f"{100 * share_of[path]:.0f}%" + ("*" if path == "/healthz" else "")
        print(f"{name:38} {r['rps']:9.0f} {share:>8} {r['p50']:8.1f} {r['p95']:8.1f} {r['p99']:8.1f} {r['errors']:7d}")
    end = rss_mb(server.pid)
    print("req/s, latencies: the median run's; share: the median of the rounds' shares, each of the /healthz run just"
          " before the page's; * /healthz's share is of the liveness run just before it")
    print(f"server RSS after the runs: {end:.1f} MB")

    soak = wrk(base, [(p, c) for p, _, c in targets], 2, 500, a.soak_seconds, lua)
    after_soak = rss_mb(server.pid)
    time.sleep(10)
    settled = rss_mb(server.pid)
    settled_anon = rss_mb(server.pid, "RssAnon")
    print(f"soak: 500 connections, {a.soak_seconds} s, the mix: {soak['rps']:.0f} req/s, p99 {soak['p99']:.1f} ms, errors {soak['errors']}"
          f" (connect {soak['connect']}, read {soak['read']}, write {soak['write']}, timeout {soak['timeout']}, non-2xx/3xx {soak['non2xx']})")
    print(f"server RSS: idle {idle:.1f} MB, at the end of the soak {after_soak:.1f} MB, 10 s later {settled:.1f} MB (anonymous {settled_anon:.1f} MB)")

    misses = []
    if share_of["/healthz"] < 0.5:
        misses.append("/healthz < 50% of /livez")
    for path, name, _ in targets[2:]:
        if share_of[path] < 0.5:
            misses.append(f"{name} < 50% of /healthz")
    if any(r["errors"] for r in results.values()) or soak["errors"]:
        misses.append("errors")
    if idle > 64:
        misses.append("RSS idle > 64 MB")
    if max(peak, after_soak) > 256:
        misses.append("RSS under load > 256 MB")
    if inbox_bytes > 60 * 1024:
        misses.append("inbox page > 60 KB")
    print("goals: " + ("all met" if not misses else "missed: " + "; ".join(misses)))
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
