# Test helpers shared by every level, then each level's own list.
EXTRA_DIST += tests/tap.h tests/rig.sh
include tests/unit/local.mk
include tests/unit/token.mk
include tests/api/local.mk
include tests/integration/local.mk
