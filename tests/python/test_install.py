"""`pip install .` works where the package index is unreachable (issue 4):
with --no-build-isolation, from the C sources, into a fresh directory; the
installed package parses a recorded page and needs nothing beyond the
standard library."""

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
