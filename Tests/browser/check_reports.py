#!/usr/bin/env python3
"""Opens woundsim's HTML reports in headless Chromium, as a reader would, and fails when a page
logs a console message (errors included), an image does not load, or a chart has no data.
Saves a screenshot of each page next to the given output folder.

Usage: check_reports.py SCREENSHOT_DIR REPORT.html [REPORT.html ...]
Installs Debian's chromium with apt-get when it is missing.
"""
import os
import re
import shutil
import subprocess
import sys


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    print("browser check: installing chromium with apt-get", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(sudo + ["apt-get", "install", "-y", "-q", "chromium"], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    return shutil.which("chromium")


FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--disable-dev-shm-usage", "--virtual-time-budget=5000"]


def check(browser, report, shots):
    url = "file://" + os.path.abspath(report)
    run = subprocess.run([browser] + FLAGS + ["--enable-logging=stderr", "--v=0", "--dump-dom", url],
                         capture_output=True, text=True, timeout=180)
    problems = []
    if run.returncode != 0:
        problems.append(f"chromium exited {run.returncode}")
    console = [l for l in run.stderr.splitlines() if "CONSOLE" in l]
    problems += [f"console: {l.strip()}" for l in console]
    dom = run.stdout
    body = re.search(r"<body([^>]*)>", dom)
    attrs = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', body.group(1))) if body else {}
    for key in ("images", "images-broken", "charts", "charts-empty"):
        if key not in attrs:
            problems.append(f"the page's load check did not run (no data-{key} on <body>)")
    if attrs.get("images-broken", "0") != "0":
        problems.append(f"{attrs['images-broken']} of {attrs.get('images')} images did not load")
    if attrs.get("charts-empty", "0") != "0":
        problems.append(f"{attrs['charts-empty']} of {attrs.get('charts')} charts have no data")
    # Independently of the page's own check: every chart drew data, per the DOM Chromium built.
    charts = re.findall(r'<svg class="chart" data-points="(\d+)"', dom)
    if not charts:
        problems.append("no charts on the page")
    empty = [i for i, n in enumerate(charts) if n == "0"]
    if empty:
        problems.append(f"charts {empty} have no data points")
    name = os.path.basename(os.path.dirname(os.path.abspath(report))) + ".png"
    shot = os.path.join(shots, name)
    subprocess.run([browser] + FLAGS + ["--window-size=1200,4000", f"--screenshot={shot}", url],
                   capture_output=True, text=True, timeout=180)
    if not os.path.exists(shot) or os.path.getsize(shot) < 10000:
        problems.append("no screenshot was saved")
    print(f"{report}: {len(charts)} charts ({sum(int(n) for n in charts)} data points), "
          f"{attrs.get('images', '?')} images, {len(console)} console messages; screenshot {shot}"
          + ("" if not problems else "\n  " + "\n  ".join(problems)), flush=True)
    return not problems


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    shots = sys.argv[1]
    os.makedirs(shots, exist_ok=True)
    browser = chromium()
    results = [check(browser, r, shots) for r in sys.argv[2:]]
    print(f"browser check: {sum(results)} of {len(results)} reports passed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
