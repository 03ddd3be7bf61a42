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
    curl = subprocess.run(["pkg-config", "--libs", "libcurl"], capture_output=True,
                          text=True).stdout.split() or ["-lcurl"]
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
