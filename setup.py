"""Build playfast._core: the extension plus the whole C library, from source,
and the `playfast` command.

    pip install . --no-build-isolation      # install (the package and the command)
    python3 setup.py build_ext --inplace -j 2 --build-temp build/python
                                            # in-tree build (make python)

The library sources (src/core, src/parse, src/net, src/store) are compiled into
the extension itself, so the module has no run-time dependency but libcurl,
libzstd (which libcurl itself uses on Debian), the decoders and libsqlite3.

`pip install` also builds the CLI as the Makefile does (cli/front.c says why
it is two programs): `playfast`, linked with the parse part of the library
only, and `playfast-fetch`, linked with all of it. Both are installed as
scripts, side by side in the environment's bin/, where `playfast` looks for
`playfast-fetch`. They reuse the objects compiled for the extension.
"""
import glob
import os
import shlex
import subprocess

from setuptools import Extension, setup

# After setuptools, so that this is its distutils.
from distutils.command.build_scripts import build_scripts
from distutils.dep_util import newer_group

HERE = os.path.dirname(os.path.abspath(__file__))


def pkg_config(flag, default, package="libcurl"):
    try:
        out = subprocess.run(["pkg-config", flag, package], check=True,
                             capture_output=True, text=True).stdout
        return shlex.split(out)
    except (OSError, subprocess.CalledProcessError):
        return default


def lib_sources():
    lib = []
    for sub in ("core", "parse", "net", "store"):
        lib += sorted(glob.glob("src/%s/*.c" % sub, root_dir=HERE))
    return lib


def sources():
    return sorted(glob.glob("python/playfast/_core*.c", root_dir=HERE)) + lib_sources()


# The parse part of the library (the Makefile's PARSE_SRC) and the CLI's
# two programs (CLI_FRONT_SRC, CLI_FETCH_SRC).
PARSE_SRC = [s for s in lib_sources()
             if not s.startswith(("src/net/", "src/store/"))] + ["src/net/request.c"]
CLI_COMMON = ["cli/args.c", "cli/emit_json.c", "cli/emit_csv.c", "cli/emit_kinds.c"]
CLI_PROGRAMS = {
    "playfast": ["cli/main.c", "cli/front.c", "cli/parse_cmd.c"] + CLI_COMMON,
    "playfast-fetch": ["cli/fetch_main.c", "cli/fetch.c", "cli/fetch_args.c",
                       "cli/engine.c", "cli/fetch_store.c", "cli/store_cmd.c"] + CLI_COMMON,
}
CLI_DIR = os.path.join("build", "cli-bin")


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



class build_cli_scripts(build_scripts):
    """Compile and link the CLI's two programs, then install them as
    scripts: byte for byte, since they are executables, not Python."""

    def run(self):
        ext = self.get_finalized_command("build_ext")
        cc = ext.compiler if not isinstance(ext.compiler, (str, type(None))) else None
        if cc is None:
            from distutils.ccompiler import new_compiler
            from distutils.sysconfig import customize_compiler
            cc = new_compiler(verbose=self.verbose, dry_run=self.dry_run, force=self.force)
            customize_compiler(cc)
        args = dict(output_dir=ext.build_temp, include_dirs=core.include_dirs,
                    extra_postargs=core.extra_compile_args)

        def compiled(srcs):
            # distutils compiles every source it is given: reuse the objects
            # the extension's build left, unless a source or header changed.
            objs = cc.object_filenames(srcs, output_dir=ext.build_temp)
            todo = [s for s, o in zip(srcs, objs) if newer_group([s] + core.depends, o)]
            if todo:
                cc.compile(todo, **args)
            return objs

        lib = compiled(lib_sources())
        parse = compiled(PARSE_SRC)
        os.makedirs(CLI_DIR, exist_ok=True)
        for name, srcs in CLI_PROGRAMS.items():
            objs = compiled(srcs)
            if name == "playfast":
                cc.link_executable(objs + parse, name, output_dir=CLI_DIR,
                                   extra_postargs=["-lm"])
            else:
                cc.link_executable(objs + lib, name, output_dir=CLI_DIR,
                                   extra_postargs=curl_libs + zstd_libs + decode_libs
                                   + sqlite_libs + ["-lpthread", "-lm"])
        self.scripts = [os.path.join(CLI_DIR, n) for n in CLI_PROGRAMS]
        self.mkpath(self.build_dir)
        for path in self.scripts:
            self.copy_file(path, os.path.join(self.build_dir, os.path.basename(path)))


setup(
    cmdclass={"build_scripts": build_cli_scripts},
    scripts=[os.path.join(CLI_DIR, n) for n in CLI_PROGRAMS],
    ext_modules=[core],
    package_dir={"": "python"},
    packages=["playfast"],
    package_data={"playfast": ["py.typed", "*.pyi"]},
)
