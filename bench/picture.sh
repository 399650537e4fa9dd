#!/bin/sh
# The README's picture: runs the demo (the class `./mvnw -q -Pdemo` runs, io.kubevaultauthrenewer.emulator.Demo,
# with java on the test classpath instead of Maven's exec), reads its management port's /observe/metrics every
# 0.5 s, and draws what it read as an SVG: the seconds each lease and the token have left, against time, and the
# moment the pod's eviction was accepted. Prints the figures it drew from and where it wrote. Not a test.
#
#   bench/picture.sh                         65 s of the demo, to docs/images/demo-run.svg
#   SECONDS_RUN=70 OUT=/tmp/run.svg bench/picture.sh
#   JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java bench/picture.sh
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
java_bin=${JAVA:-java}
seconds=${SECONDS_RUN:-65}
out=${OUT:-docs/images/demo-run.svg}
work=$(mktemp -d)
demo=""
trap 'kill ${demo:-} 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM

# what the demo profile builds (test-compile), and its classpath (test scope: the emulators and the renewer)
./mvnw -q -B test-compile
./mvnw -q -B dependency:build-classpath -Dmdep.outputFile="$work/cp" -Dmdep.includeScope=test >/dev/null

# the demo as the README runs it, with its own settings (a setting of this shell would change the picture), in
# $work (it writes target/demo/ below its working directory), on a free management port it logs
(
  cd "$work"
  unset RENEW_INTERVAL EVICT_BEFORE_EXPIRY
  VAULT_ADDR='' CAMEL_MANAGEMENT_PORT=0 exec "$java_bin" \
    -cp "$root/target/test-classes:$root/target/classes:$(cat "$work/cp")" \
    io.kubevaultauthrenewer.emulator.Demo >"$work/demo.log" 2>&1
) &
demo=$!

python3 - "$work/demo.log" "$seconds" "$out" "$demo" <<'PY'
import math, os, re, sys, time, urllib.request
from datetime import datetime, timezone

log_path, seconds, out, pid = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
STEP = 0.5


def alive():
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def fail(message):
    sys.stderr.write(message + "\n")
    try:
        sys.stderr.write("".join(open(log_path).readlines()[-30:]))
    except OSError:
        pass
    sys.exit(1)


# the management port, from the line the renewer logs once it listens
port = None
launched = time.monotonic()
deadline = launched + 120
while port is None:
    try:
        found = re.search(r"Health at http://localhost:(\d+)/", open(log_path).read())
        port = found and found.group(1)
    except OSError:
        pass
    if port is None:
        if not alive() or time.monotonic() > deadline:
            fail("the demo did not start its management port")
        time.sleep(0.1)
url = f"http://127.0.0.1:{port}/observe/metrics"
booted = time.monotonic() - launched

SERIES = re.compile(r'^(vault_renewer_[a-z_]+)(?:\{([^}]*)\})? (\S+)$')
LABEL = re.compile(r'(\w+)="([^"]*)"')


def scrape():
    text = urllib.request.urlopen(url, timeout=2).read().decode()
    seen = {}
    for line in text.splitlines():
        m = SERIES.match(line)
        if not m:
            continue
        name, labels, value = m.group(1), dict(LABEL.findall(m.group(2) or "")), float(m.group(3))
        if name == "vault_renewer_time_to_expiry_seconds":
            seen["token" if labels.get("kind") == "token" else labels["lease_id"]] = value
        elif name == "vault_renewer_eviction_phase" and value == 1:
            seen["phase"] = labels["phase"]
        elif name in ("vault_renewer_eviction_timestamp_seconds", "vault_renewer_end_of_life_timestamp_seconds"):
            seen[name] = value
    return seen


samples, misses = [], 0
start = time.monotonic()
t0 = time.time()
k = 0
while k * STEP <= seconds:
    pause = start + k * STEP - time.monotonic()
    if pause > 0:
        time.sleep(pause)
    if not alive():
        fail(f"the demo ended after {k * STEP:.1f} s")
    at = time.time()
    try:
        samples.append((at - t0, scrape()))
    except OSError:
        misses += 1
    k += 1
if not samples:
    fail("no scrape answered")

# ---- the figures drawn from ----
items = []
for _, seen in samples:
    for key in seen:
        if (key == "token" or "/" in key) and key not in items:
            items.append(key)
items.sort(key=lambda key: (key != "token", key))


def short(key):
    return "token" if key == "token" else key.rsplit("/", 1)[0]


def points(key):
    return [(t, seen[key]) for t, seen in samples if key in seen and not math.isnan(seen[key])]


def moment(name):
    """The last value the series showed (a Unix time), as seconds since the first scrape; None if never set."""
    values = [seen[name] for _, seen in samples if not math.isnan(seen.get(name, math.nan))]
    return values[-1] - t0 if values else None


evicted_seen = next((t for t, seen in samples if seen.get("phase") == "evicted"), None)
eviction = moment("vault_renewer_eviction_timestamp_seconds")
end_of_life = moment("vault_renewer_end_of_life_timestamp_seconds")
ran_out = {}
for key in items:
    series = points(key)
    zero = next((t for t, v in series if v <= 0), None)
    if zero is not None and all(v <= 0 for t, v in series if t >= zero):
        ran_out[key] = zero

span = samples[-1][0]
top = max([v for key in items for _, v in points(key)] + [1])
print(f"the demo's management port answered {booted:.1f} s after it was started (its leases live 12-15 s)")
print(f"{len(samples)} samples of {url} over {span:.1f} s, every {STEP} s ({misses} unanswered)")
for key in items:
    values = [v for _, v in points(key)]
    line = f"  {short(key):<20} {len(values)} values, {min(values):.0f} to {max(values):.0f} s left" if values else \
        f"  {short(key):<20} no value"
    if key in ran_out:
        line += f"; 0 from {ran_out[key]:.1f} s on"
    print(line)
print(f"  eviction asked for at {eviction:.1f} s" if eviction is not None else "  eviction: never asked for")
print(f"  phase 'evicted' first seen at {evicted_seen:.1f} s" if evicted_seen is not None else
      "  phase 'evicted': never seen")
print(f"  end of life at {end_of_life:.1f} s" if end_of_life is not None else "  end of life: none")
warnings = [line.rstrip() for line in open(log_path) if re.search(r" (WARN|ERROR) ", line)]
print(f"the demo's log: {len(warnings)} WARN or ERROR lines" + (":" if warnings else ""))
for line in warnings:
    print("  " + line[:220])

# ---- the drawing: plain SVG, no script, no web font ----
W, H = 760, 410
L, R, T, B = 56, 200, 84, 350          # plot area: left, right margin, top, bottom
plot_w = W - L - R
y_max = 5 * math.ceil(top / 5)
x_max = 10 * math.ceil(span / 10)


def x(t):
    return round(L + t / x_max * plot_w, 1)


def y(v):
    return round(B - v / y_max * (B - T), 1)


COLOURS = ["#222222", "#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
svg = [
    f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
    'font-family="sans-serif" font-size="12">',
    f"<!-- bench/picture.sh, {datetime.now(timezone.utc):%Y-%m-%dT%H:%MZ}: {len(samples)} scrapes of "
    f"/observe/metrics, {STEP} s apart -->",
    f'<rect width="{W}" height="{H}" fill="#ffffff"/>',
    f'<text x="{L}" y="24" font-size="15" font-weight="bold">The demo, run for {span:.0f} s: '
    "seconds left per lease and for the token</text>",
    f'<text x="{L}" y="44" fill="#555555">What the renewer\'s /observe/metrics said every {STEP} s '
    "(vault_renewer_time_to_expiry_seconds)</text>",
]
for v in range(0, y_max + 1, 5):
    svg.append(f'<line x1="{L}" y1="{y(v)}" x2="{L + plot_w}" y2="{y(v)}" stroke="#e5e5e5"/>')
    svg.append(f'<text x="{L - 6}" y="{y(v) + 4}" text-anchor="end">{v}</text>')
for t in range(0, x_max + 1, 10):
    svg.append(f'<line x1="{x(t)}" y1="{B}" x2="{x(t)}" y2="{B + 5}" stroke="#333333"/>')
    svg.append(f'<text x="{x(t)}" y="{B + 18}" text-anchor="middle">{t}</text>')
svg.append(f'<line x1="{L}" y1="{B}" x2="{L + plot_w}" y2="{B}" stroke="#333333"/>')
svg.append(f'<line x1="{L}" y1="{T}" x2="{L}" y2="{B}" stroke="#333333"/>')
svg.append(f'<text x="{L + plot_w / 2}" y="{B + 36}" text-anchor="middle">seconds since the first scrape</text>')
svg.append(f'<text transform="translate(16 {(T + B) / 2}) rotate(-90)" text-anchor="middle">seconds left</text>')


def marker(t, colour, label, side):
    """A dashed line at t, its label above the plot: on its left (side -1, text ending at it) or its right."""
    svg.append(f'<line x1="{x(t)}" y1="{T - 12}" x2="{x(t)}" y2="{B}" stroke="{colour}" stroke-width="1.5" '
               'stroke-dasharray="5 3"/>')
    if side < 0 and x(t) - 7 * len(label) < 0:
        side = 1  # no room on its left
    anchor = "end" if side < 0 else "start"
    svg.append(f'<text x="{x(t) + 4 * side}" y="{T - 4}" text-anchor="{anchor}" fill="{colour}">{label}</text>')


if eviction is not None:
    marker(eviction, "#ff7f0e", "eviction accepted" if evicted_seen is not None else "eviction asked for", -1)
if end_of_life is not None:
    marker(end_of_life, "#d62728", "end of life", 1)

for i, key in enumerate(items):
    colour = COLOURS[i % len(COLOURS)]
    path, previous = [], None
    for t, seen in samples:
        v = seen.get(key, math.nan)
        if math.isnan(v):
            previous = None
            continue
        path.append(("M" if previous is None else "L") + f"{x(t)} {y(v)}")
        previous = v
    if path:
        svg.append(f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="2" '
                   'stroke-linejoin="round"/>')
    ly = T + 10 + 34 * i
    svg.append(f'<line x1="{W - R + 16}" y1="{ly}" x2="{W - R + 40}" y2="{ly}" stroke="{colour}" stroke-width="2"/>')
    svg.append(f'<text x="{W - R + 46}" y="{ly + 4}">{short(key)}</text>')
    if key in ran_out:
        svg.append(f'<text x="{W - R + 46}" y="{ly + 19}" fill="#555555">0 s left from {ran_out[key]:.0f} s on</text>')
svg.append("</svg>")

os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
with open(out, "w") as f:
    f.write("\n".join(svg) + "\n")
print(f"wrote {out} ({os.path.getsize(out)} bytes)")
PY
