#!/usr/bin/env bash
# The offline bundle of a member's phone for a village of 400 households (docs/outreach.md, docs/benchmarks.md):
# what a phone downloads to record visits with no signal — the offline page (/visits/offline), its script
# (/js/visits.js), the style (/css/app.css), the service worker (/sw.js) and the cached list of households
# (GET /api/v1/visits/households, every page) — in bytes as transferred: thonso compresses what a browser accepts
# (COMPRESS, on by default), and the script asks as a browser does (Accept-Encoding: gzip, deflate). The size without
# compression is printed beside it. Goal: ≤ 150 KB transferred.
#
# It starts `thonso serve --demo` on a fresh SQLite file, adds a village of 400 households to the demo commune through
# the API (each with a visit that records a full digital profile, so every cached row carries one), and measures.
# Usage: Benchmarks/offline-bundle.sh [path/to/thonso]   (default: the debug build)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/debug/thonso}
[[ -x $bin ]] || { echo "offline-bundle: $bin not found (swift build first)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/thonso-bundle.XXXXXX")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DATABASE_PATH="$work/db.sqlite" UPLOADS_DIR="$work/up" AUDIO_DIR="$work/audio" JOB_WORKERS=0 LOG_LEVEL=warning \
  "$bin" serve --demo --port "$port" > "$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 600); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
python3 - "$port" <<'PY'
import datetime, gzip, http.client, json, re, sys, urllib.parse, uuid
port = int(sys.argv[1])
cookie = None
def req(method, path, body=None, headers=None, form=False, compressed=False):
    global cookie
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    h = dict(headers or {})
    if compressed: h["Accept-Encoding"] = "gzip, deflate"
    if cookie: h["Cookie"] = "thonso_session=" + cookie
    if body is not None and form:
        body = urllib.parse.urlencode(body); h["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        body = json.dumps(body); h["Content-Type"] = "application/json"; h["Sec-Fetch-Site"] = "same-origin"
    c.request(method, path, body=body, headers=h)
    r = c.getresponse(); data = r.read()
    if compressed: return r.status, data, r.getheader("Content-Encoding") or ""
    m = re.search(r"thonso_session=([^;]*)", r.getheader("Set-Cookie") or "")
    if m: cookie = m.group(1)
    return r.status, data
s, page = req("GET", "/signin")
csrf = re.search(rb'name="_csrf" value="([^"]+)"', page).group(1).decode()
s, _ = req("POST", "/signin", {"username": "quantri", "password": "thonso-demo", "_csrf": csrf, "next": "/"}, form=True)
assert s == 303, s
s, data = req("GET", "/api/v1/units?kind=commune&per=500")
communes = [u for u in json.loads(data)["items"]]
commune = next(u for u in communes if u.get("code") and u["kind"] == "commune")
s, data = req("POST", "/api/v1/units", {"kind": "village", "code": "BENCH", "name": "Thôn Đo Gói", "parentId": commune["id"]})
assert s == 201, (s, data[:300])
village = json.loads(data)["id"]
names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em", "Vũ Thị Phượng"]
ids = []
for i in range(400):
    s, data = req("POST", "/api/v1/households", {"code": f"BENCH-{i:04d}", "villageId": village,
        "address": f"Số {i + 1}, ngõ {i % 17 + 1}, xóm Đồng Bắc", "phone": f"09{i:08d}",
        "representative": {"fullName": names[i % len(names)] + f" {i}", "gender": "male", "birthYear": 1960 + i % 40,
                           "relation": "head", "isRepresentative": True}})
    assert s == 201, (s, data[:300])
    ids.append(json.loads(data)["household"]["id"])
for start in (0, 200):
    visits = [{"clientId": str(uuid.uuid4()), "householdId": h, "visitedOn": (datetime.date.today() - datetime.timedelta(days=30)).isoformat(), "visitors": "Tổ công nghệ số",
               "helped": ["vneid"], "outcome": "done",
               "profile": {"internet": "fibre", "smartphoneUsers": 1, "adultsVneid": 1, "adultsCashless": 1, "onlineServices": True,
                           "eHealth": False, "inVillageChannel": True, "channel": "zalo", "sellsOnline": False, "ownCamera": False}}
              for h in ids[start:start + 200]]
    s, data = req("POST", "/api/v1/visits/sync", {"visits": visits})
    assert s == 200 and json.loads(data)["recorded"] == 200, (s, data[:300])
parts = []
def fetch(path, label=None):
    s, plain = req("GET", path); assert s == 200, (path, s)
    s, sent, enc = req("GET", path, compressed=True); assert s == 200, (path, s)
    parts.append((label or path, plain, sent, enc))
    return plain
for path in ["/visits/offline", "/js/visits.js", "/css/app.css", "/sw.js"]:
    fetch(path)
page, got, total = 1, 0, None
while total is None or got < total:
    data = fetch(f"/api/v1/visits/households?unit={village}&per=500&page={page}")
    j = json.loads(data); total = j["total"]; got += len(j["items"])
    parts[-1] = (f"/api/v1/visits/households page {page} ({len(j['items'])} households)",) + parts[-1][1:]
    page += 1
assert total == 400, total
raw = sum(len(p[1]) for p in parts); sent = sum(len(p[2]) for p in parts)
for label, plain, body, enc in parts:
    print(f"{label:60s} {len(plain):8,d} B  transferred {len(body):7,d} B ({enc or 'not compressed'})")
print(f"offline bundle, village of 400 households: {sent / 1024:.1f} KB transferred ({raw / 1024:.1f} KB uncompressed; "
      f"goal ≤ 150 KB transferred): {'within' if sent <= 150 * 1024 else 'OVER'}")
sys.exit(0 if sent <= 150 * 1024 else 1)
PY
