#!/bin/sh
# Run every C test binary given; print one summary line for them all.
pass=0; fail=0; status=0
for t in "$@"; do
    out=$("$t" 2>&1); rc=$?
    printf '%s\n' "$out" | grep -v '^ok  '
    line=$(printf '%s\n' "$out" | tail -n 1)
    p=$(printf '%s' "$line" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
    f=$(printf '%s' "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
    [ -n "$p" ] || { p=0; f=1; echo "FAIL $t did not finish (exit $rc)"; }
    pass=$((pass + p)); fail=$((fail + f))
    [ $rc -eq 0 ] || status=1
done
echo "C tests: $pass passed, $fail failed"
exit $status
