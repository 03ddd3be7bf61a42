"""Build playfast._core: the extension plus the whole C library, from source.

    pip install . --no-build-isolation      # install
    python3 setup.py build_ext --inplace -j 2 --build-temp build/python
                                            # in-tree build (make python)

The library sources (src/core, src/parse, src/net, src/store) are compiled into the
extension itself, so the module has no run-time dependency but libcurl, libzstd (which
libcurl itself uses on Debian) and libsqlite3.
"""
import glob
import os
import shlex
import subprocess

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def pkg_config(flag, default, package="libcurl"):
    try:
        out = subprocess.run(["pkg-config", flag, package], check=True,
                             capture_output=True, text=True).stdout
        return shlex.split(out)
    except (OSError, subprocess.CalledProcessError):
        return default


def sources():
    ext = sorted(glob.glob("python/playfast/_core*.c", root_dir=HERE))
    lib = []
    for sub in ("core", "parse", "net", "store"):
        lib += sorted(glob.glob("src/%s/*.c" % sub, root_dir=HERE))
    return ext + lib


curl_cflags = pkg_config("--cflags", [])
curl_libs = pkg_config("--libs", ["-lcurl"])
# zstd compresses the long text of SearchResult objects (python/playfast/_core_item.c).
zstd_libs = pkg_config("--libs", ["-lzstd"], "libzstd")
# The engine decodes Content-Encoding itself (src/net/decode.c).
decode_libs = pkg_config("--libs", ["-ldeflate", "-lbrotlidec", "-lz"], "libdeflate libbrotlidec zlib")
# The store (src/store, playfast.store): results into an SQLite file.
sqlite_libs = pkg_config("--libs", ["-lsqlite3"], "sqlite3")

core = Extension(
    "playfast._core",
    sources=sources(),
    include_dirs=["include", "src/core", "src/parse", "src/net", "src/store", "python/playfast"],
    depends=sorted(glob.glob("include/*.h", root_dir=HERE) + glob.glob("src/*/*.h", root_dir=HERE)
                   + glob.glob("python/playfast/*.h", root_dir=HERE)),
    extra_compile_args=["-std=c11", "-D_GNU_SOURCE", "-fvisibility=hidden",
                        "-Wall", "-Wextra", "-Wno-unused-parameter",
                        "-Wno-missing-field-initializers"] + curl_cflags,
    extra_link_args=curl_libs + zstd_libs + decode_libs + sqlite_libs + ["-lpthread", "-lm"],
)

setup(
    ext_modules=[core],
    package_dir={"": "python"},
    packages=["playfast"],
    package_data={"playfast": ["py.typed", "*.pyi"]},
)
