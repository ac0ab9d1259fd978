# SPDX-License-Identifier: MIT
# check.sh: sourced by the test scripts.  check NAME COMMAND... runs the
# command, prints PASS or FAIL and counts; summary prints the counts and
# fails when anything failed.
passed=0
failed=0
check() {
  if "${@:2}"; then
    echo "PASS: $1"
    passed=$((passed + 1))
  else
    echo "FAIL: $1"
    failed=$((failed + 1))
  fi
}
summary() {
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}
