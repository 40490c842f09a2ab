# Where downloads and builds outside the repository live (scripts/lib.sh's FLYTEBOX_CACHE):
# $FLYTEBOX_CACHE, else $XDG_CACHE_HOME/flytebox, else ~/.cache/flytebox.
if(DEFINED ENV{FLYTEBOX_CACHE})
  set(FLYTEBOX_CACHE_DIR "$ENV{FLYTEBOX_CACHE}")
elseif(DEFINED ENV{XDG_CACHE_HOME})
  set(FLYTEBOX_CACHE_DIR "$ENV{XDG_CACHE_HOME}/flytebox")
else()
  set(FLYTEBOX_CACHE_DIR "$ENV{HOME}/.cache/flytebox")
endif()
