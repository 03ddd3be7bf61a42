"""`pip install .` works where the package index is unreachable (issue 4):
with --no-build-isolation, from the C sources, into a fresh directory; the
installed package parses a recorded page and needs nothing beyond the
standard library."""

import gzip
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE = os.path.join(ROOT, "tests", "fixtures",
                       "app_details_com.google.android.apps.translate_en_us_2026-07.html.gz")


def test_pip_install_no_build_isolation(tmp_path):
    target = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-index",
         "--no-deps", "--quiet", "--target", str(target), ROOT],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert build.returncode == 0, build.stdout + build.stderr
    check = ("import gzip, playfast, playfast._core as c\n"
             "assert playfast.__file__.startswith(%r), playfast.__file__\n"
             "a = c.parse_app_page(gzip.open(%r).read(), 'x')\n"
             "print(a.title)\n" % (str(target), FIXTURE))
    # -S: no site-packages, so nothing but the standard library and the
    # installed package can be imported.
    out = subprocess.run([sys.executable, "-S", "-c", check], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(target)), cwd=tmp_path,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "Google Translate"


def test_pip_install_into_a_venv_installs_the_playfast_command(tmp_path, replay):
    """Issue 13.9: `pip install .` installs the `playfast` command too, as
    two linked programs side by side in the venv's bin/: `playfast` (the
    parsers only: no libcurl, nothing dlopen()ed) and `playfast-fetch`
    (the engine), which checks versions at start-up."""
    venv = tmp_path / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(venv)],
                   check=True, timeout=120)
    build = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--no-build-isolation", "--no-index",
         "--no-deps", "--quiet", ROOT],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert build.returncode == 0, build.stdout + build.stderr
    playfast = str(venv / "bin" / "playfast")
    env = dict(os.environ)
    env.pop("PLAYFAST_BASE_URL", None)
    page = tmp_path / "translate.html"
    page.write_bytes(gzip.open(FIXTURE).read())
    out = subprocess.run([playfast, "parse", "app", str(page)], capture_output=True,
                         env=env, cwd=tmp_path, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["title"] == "Google Translate"
    # Linked, not loaded at run time: the parse program needs no libcurl.
    needed = subprocess.run(["readelf", "-d", playfast], capture_output=True, text=True).stdout
    assert "libcurl" not in needed and "libplayfast" not in needed, needed
    assert b"dlopen" not in open(playfast, "rb").read()
    # A fetch command runs in playfast-fetch beside it.
    out = subprocess.run([playfast, "app", "com.google.android.apps.translate",
                          "--base-url", replay.base_url], capture_output=True, env=env,
                         cwd=tmp_path, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["result"]["title"] == "Google Translate"
    # playfast-fetch refuses a playfast of another version.
    out = subprocess.run([str(venv / "bin" / "playfast-fetch"), "app", "x.y"],
                         capture_output=True, text=True, timeout=60,
                         env=dict(env, PLAYFAST_CLI_VERSION="9.9.9"))
    assert out.returncode == 1
    assert "playfast 9.9.9 found playfast-fetch" in out.stderr and "reinstall" in out.stderr
