#!/bin/sh
# The built module (and jpki-tool) carry the hardening configure turns on by
# default: full RELRO (GNU_RELRO + BIND_NOW), the stack protector and, except
# in sanitizer builds, _FORTIFY_SOURCE (the checked _chk variants of libc).
# Read from the ELF files with readelf, as checksec does.
. "$top_srcdir/tests/tap.sh"
command -v readelf >/dev/null || { echo "1..0 # SKIP readelf (binutils) is not installed"; exit 77; }
TOOL="$top_builddir/tools/jpki-tool/jpki-tool"
# The checks of one ELF file.
check_elf() { # NAME FILE
    readelf -lW "$2" > "$RESULT.l" 2>&1
    readelf -dW "$2" > "$RESULT.d" 2>&1
    readelf --dyn-syms -W "$2" > "$RESULT.s" 2>&1
    tap_ok "$1: a GNU_RELRO segment (-z relro)" grep -q GNU_RELRO "$RESULT.l"
    tap_ok "$1: bound at load time (-z now: BIND_NOW or FLAGS NOW)" \
        grep -Eq 'BIND_NOW|\(FLAGS\).*NOW' "$RESULT.d"
    tap_ok "$1: stack protector (__stack_chk_fail imported)" grep -q '__stack_chk_fail' "$RESULT.s"
    if [ -n "$no_fortify" ]; then tap_result 0 "# SKIP $1: FORTIFY is off in $no_fortify"
    else tap_ok "$1: _FORTIFY_SOURCE (checked libc functions imported)" grep -Eq '__[a-z_]+_chk' "$RESULT.s"
    fi
}
# configure leaves FORTIFY out of sanitizer builds and of unoptimised ones.
no_fortify=
case " ${JPKI_BUILD_CFLAGS:-} " in
    *" -O0 "*) no_fortify="builds with -O0" ;;
    *" -O"*) ;;
    *) no_fortify="builds without -O" ;;
esac
case " ${JPKI_BUILD_CFLAGS:-} " in *-fsanitize=*) no_fortify="sanitizer builds" ;; esac
RESULT=$(mktemp) || exit 1
trap 'rm -f "$RESULT" "$RESULT".*' EXIT
check_elf "module" "$JPKI_MODULE"
# jpki-tool is built here only (an installed module has no tool beside it).
[ -x "$TOOL" ] && [ -z "${JPKI_INSTALLED_MODULE:-}" ] && check_elf "jpki-tool" "$TOOL"
tap_done
