# SPDX-License-Identifier: MIT
"""Builds libmetaplast.so with the project's CMake (the source tree one
level up) and puts it inside the package.  METAPLAST_BUILD_DIR chooses the
CMake build directory (default: the tree's build/, which the project's
own scripts use, so an existing build is reused incrementally)."""
import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


class BuildWithCMake(build_py):
    def run(self):
        if not (ROOT / "CMakeLists.txt").is_file():
            raise SystemExit(f"metaplast: {ROOT} is not the metaplast source "
                             "tree: install with `pip install ./python` "
                             "from a checkout")
        build = Path(os.environ.get("METAPLAST_BUILD_DIR", ROOT / "build"))
        env = dict(os.environ)
        if Path("/usr/local/cuda/bin/nvcc").exists():
            env["PATH"] = "/usr/local/cuda/bin:" + env.get("PATH", "")
        if not (build / "CMakeCache.txt").is_file():
            subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build),
                            "-DCMAKE_BUILD_TYPE=Release"], check=True,
                           env=env)
        subprocess.run(["cmake", "--build", str(build), "--target",
                        "metaplast_shared", "-j", str(os.cpu_count() or 1)],
                       check=True, env=env)
        super().run()
        dest = Path(self.build_lib) / "metaplast" / "_lib"
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy2(build / "libmetaplast.so", dest / "libmetaplast.so")


setup(cmdclass={"build_py": BuildWithCMake})
