#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check.sh: the library's structural promises (docs/ARCHITECTURE.md).
#  1. The library never exits, prints, forks, reads the environment or
#     aborts MPI: its object files reference none of those symbols.
#  2. The command line is a client of the public API: no file of
#     host/cli includes a private header.
#  3. Every error has text: outside host/cli, an MP_E* code is only
#     returned through mp__fail / mp__fail_prefix.
#  4. No function of host/ or kernels/ is longer than 80 lines unless a
#     comment right above it says why ("long: ...").
#  5. `cmake --install` installs the library, the command and the public
#     headers only; the installed headers compile on their own, as C11
#     and as C++, without the private ones.
#   usage: check.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
src=$(realpath "${1:?usage: check.sh SOURCE_DIR BUILD_DIR}")
build=$(realpath "${2:?usage: check.sh SOURCE_DIR BUILD_DIR}")
source "$src/tests/lib/check.sh"
T=$(mktemp -d /tmp/mp-structure-XXXXXX)
trap 'rm -rf "$T"' EXIT

lib=$build/libmetaplast.a
forbidden='exit|_exit|_Exit|abort|fork|vfork|getenv|secure_getenv|setenv|putenv|system|popen|execv|execve|execvp|MPI_Abort|printf|puts|putchar|perror|stdout|stderr'
nm_clean() {
  local bad
  bad=$(nm -A "$lib" | grep -E " U ($forbidden)$")
  [[ -z $bad ]] || { echo "  $bad"; return 1; }
}
check "library: no exit, abort, fork, getenv, MPI_Abort, stdout/stderr (nm)" \
  nm_clean

cli_public() {
  local bad
  bad=$(grep -nE '#include .*(private/|detail/|kernels/|\.\./)' \
    "$src"/host/cli/*.[ch])
  [[ -z $bad ]] || { echo "  $bad"; return 1; }
}
check "cli: includes public headers only" cli_public

errors_have_text() {
  local bad
  bad=$(grep -nE 'return[[:space:]]+(\(?[a-z_]+[[:space:]]*\?[[:space:]]*)?MP_E[A-Z]+|=[[:space:]]*MP_E[A-Z]+;' \
    $(find "$src/host" -name '*.c' -not -path '*/cli/*'))
  [[ -z $bad ]] || { echo "  $bad"; return 1; }
}
check "library: every error returned through mp__fail (has text)" \
  errors_have_text

# Functions start at a line "{" in column 0 and end at "}" in column 0
# (the project's K&R style); a "long:" comment within the 4 lines before
# the opening brace excuses one.
short_functions() {
  local bad
  bad=$(awk 'FNR == 1 { hist[0] = hist[1] = hist[2] = hist[3] = hist[4] = hist[5] = "" }
    /^\{$/ { start = FNR; ok = 0
             for (k = 0; k < 6; k++) if (hist[k] ~ /long:/) ok = 1
             name = hist[0] }
    /^\}$/ && start { if (FNR - start > 80 && !ok)
                        printf "  %s:%d %s (%d lines)\n", FILENAME, start, name, FNR - start
                      start = 0 }
    { for (k = 5; k > 0; k--) hist[k] = hist[k - 1]; hist[0] = $0 }' \
    $(find "$src/host" "$src/kernels" -name '*.c' -o -name '*.cu' -o -name '*.h' -o -name '*.cuh'))
  [[ -z $bad ]] || { echo "$bad"; return 1; }
}
check "host/, kernels/: no function over 80 lines without a reason" \
  short_functions

installed() {
  cmake --install "$build" --prefix "$T/prefix" >/dev/null || return 1
  local got want
  got=$(cd "$T/prefix" && find . -type f | sort | tr '\n' ' ')
  want=$(cd "$src/include" && printf './include/%s\n' metaplast/*.h \
    metaplast/version.h | sort -u | tr '\n' ' ')
  want="./bin/metaplast $want./lib/libmetaplast.a ./lib/libmetaplast.so "
  want=$(tr ' ' '\n' <<<"$want" | grep . | sort | tr '\n' ' ')
  [[ $got == "$want" ]] ||
    { echo "  installed: $got"; echo "  expected:  $want"; return 1; }
}
check "install: the library, the command, the public headers only" \
  installed

headers_alone() {
  local h
  for h in "$T"/prefix/include/metaplast/*.h; do
    printf '#include "metaplast/%s"\nint main(void) { return 0; }\n' \
      "$(basename "$h")" >"$T/one.c"
    gcc -std=c11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only \
      -I"$T/prefix/include" "$T/one.c" ||
      { echo "  $h does not compile alone (C11)"; return 1; }
    cp "$T/one.c" "$T/one.cpp"
    g++ -std=c++17 -Wall -Wextra -Wpedantic -Werror -fsyntax-only \
      -I"$T/prefix/include" "$T/one.cpp" ||
      { echo "  $h does not compile alone (C++)"; return 1; }
  done
}
check "installed headers compile alone, as C11 and C++" headers_alone
summary
