# SPDX-License-Identifier: MIT
# reliability.sh: sourced by tests/reliability/{kill_campaign,tmpfs_full}.sh.
# ok/fail print and count a check; data FILE is every value of a NetCDF
# file at round-trip precision; same PARADIGM DIR compares DIR's
# checkpoint.nc and record.nc with the reference dumps ref-PARADIGM.{checkpoint,record}
# in the current directory, saying which differ; last FILE is its last
# line; died STATUS says which signal a status > 128 stands for.
passed=0 failed=0
ok() {
  echo "ok: $*"
  passed=$((passed + 1))
}
fail() {
  echo "FAIL: $*"
  failed=$((failed + 1))
}
data() { ncdump -p 9,17 "$1" | sed -n '/^data:/,$p'; }
same() {
  local f bad=
  for f in checkpoint record; do
    if [[ ! -f $2/$f.nc ]]; then
      bad+=" $f.nc missing"
    elif ! cmp -s "ref-$1.$f" <(data "$2/$f.nc"); then
      bad+=" $f.nc differs"
    fi
  done
  [[ -z $bad ]] || { echo "$bad"; return 1; }
}
last() { tail -n 1 "$1" 2>/dev/null; }
died() { (($1 > 128)) && echo " (death by signal $(($1 - 128)))"; }
