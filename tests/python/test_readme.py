"""The README's examples keep working: its C program compiles against the
library and prints the recorded data when pointed at the replay server, and
the two set-up commands it opens with are the Makefile's."""

import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def readme():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        return f.read()


def test_readme_opens_with_the_two_commands():
    first_block = re.search(r"```sh\n(.*?)```", readme(), re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()]
    assert commands[:2] == ["make demo", "make test"]


def test_readme_c_example_compiles_and_runs(tmp_path, replay):
    code = re.search(r"### C\n\n```c\n(.*?)```", readme(), re.S).group(1)
    src = tmp_path / "example.c"
    src.write_text(code)
    exe = tmp_path / "example"
    # A static link names what the library uses: libcurl and the decoders.
    curl = subprocess.run(["pkg-config", "--libs", "libcurl", "libdeflate", "libbrotlidec",
                           "libzstd", "zlib"], capture_output=True, text=True).stdout.split()
    curl = curl or ["-lcurl", "-ldeflate", "-lbrotlidec", "-lzstd", "-lz"]
    subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror",
                    "-I" + os.path.join(ROOT, "include"), str(src),
                    os.path.join(ROOT, "build", "libplayfast.a"), *curl,
                    "-lpthread", "-lm", "-o", str(exe)], check=True)
    env = dict(os.environ, PLAYFAST_BASE_URL=replay.base_url)
    out = subprocess.run([str(exe)], capture_output=True, text=True, env=env,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert "Google Translate: 4.27 stars" in out.stdout
    assert "top game: Meowdoku: Brain Puzzle Games" in out.stdout


def test_install_and_pkg_config(tmp_path, replay):
    """make install PREFIX=... gives a pkg-config file naming that prefix, so
    the README program builds against the installed library, and the
    installed CLI finds its library for a fetch (regression: the .pc file was
    generated once for /usr/local and copied to any prefix)."""
    prefix = tmp_path / "prefix"
    subprocess.run(["make", "-s", "-C", ROOT, "install", "PREFIX=%s" % prefix],
                   check=True, capture_output=True)
    env = dict(os.environ, PKG_CONFIG_PATH=str(prefix / "lib" / "pkgconfig"))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "playfast"], env=env,
                           capture_output=True, text=True, check=True).stdout.split()
    assert "-I%s/include" % prefix in flags and "-L%s/lib" % prefix in flags
    code = re.search(r"### C\n\n```c\n(.*?)```", readme(), re.S).group(1)
    (tmp_path / "example.c").write_text(code)
    exe = tmp_path / "example"
    subprocess.run(["cc", str(tmp_path / "example.c"), *flags, "-o", str(exe)], check=True)
    run_env = dict(os.environ, PLAYFAST_BASE_URL=replay.base_url,
                   LD_LIBRARY_PATH=str(prefix / "lib"))
    out = subprocess.run([str(exe)], capture_output=True, text=True, env=run_env, timeout=60)
    assert "Google Translate: 4.27 stars" in out.stdout, out.stderr
    cli = subprocess.run([str(prefix / "bin" / "playfast"), "app", "com.google.android.apps.translate",
                          "--base-url", replay.base_url, "--no-progress"],
                         capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0, cli.stderr
    assert '"title": "Google Translate"' in cli.stdout
