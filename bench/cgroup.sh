# Sourced by the bench scripts: a memory cgroup per renewer, read as the kubelet reads a container's
# (cAdvisor's container_memory_working_set_bytes: usage minus the inactive file pages). Needs root.
# cgroup v1's memory controller (mounted at /sys/fs/cgroup/memory) or cgroup v2 with the memory controller;
# the child cgroups are made under this shell's own.
#   cg_detect                  sets $cg_version (1 or 2) and $cg_parent, or fails with the reason
#   cg_create <name> [bytes]   makes $cg_parent/<name> (with that limit), prints its path
#   cg_exec <dir> <cmd> ... &  runs cmd inside the cgroup, in the background: the subshell of & moves itself
#                              there and execs cmd, so that $! is cmd's process (it replaces the calling shell)
#   cg_working_set <dir>       usage - inactive file, in KiB
#   cg_peak <dir>              the highest usage, in KiB (v2: memory.peak, from Linux 5.19)
#   cg_limit_hits <dir>        "oom_kill N, failcnt N" (v1) or "oom_kill N, max N" (v2)
#   cg_remove <dir>            removes it, once its processes are gone

cg_detect() {
  if [ -f /sys/fs/cgroup/memory/memory.usage_in_bytes ]; then
    cg_version=1
    cg_parent=/sys/fs/cgroup/memory$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
  elif grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
    cg_version=2
    cg_parent=/sys/fs/cgroup$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
    # a child gets the memory controller only from its parent's subtree_control
    echo +memory >"$cg_parent/cgroup.subtree_control" 2>/dev/null || true
  else
    echo "no memory cgroup controller: neither /sys/fs/cgroup/memory (v1) nor memory in /sys/fs/cgroup/cgroup.controllers (v2)" >&2
    return 1
  fi
  cg_parent=${cg_parent%/}
  [ -w "$cg_parent" ] || { echo "cannot make a cgroup under $cg_parent (run as root)" >&2; return 1; }
}

cg_create() {
  mkdir "$cg_parent/$1" || return 1
  if [ -n "${2:-}" ]; then
    if [ "$cg_version" = 1 ]; then echo "$2" >"$cg_parent/$1/memory.limit_in_bytes"; else echo "$2" >"$cg_parent/$1/memory.max"; fi
  fi
  echo "$cg_parent/$1"
}

cg_exec() {
  exec sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$@"
}

cg_working_set() {
  if [ "$cg_version" = 1 ]; then
    awk -v usage="$(cat "$1/memory.usage_in_bytes")" '$1 == "total_inactive_file" { print int((usage - $2) / 1024) }' "$1/memory.stat"
  else
    awk -v usage="$(cat "$1/memory.current")" '$1 == "inactive_file" { print int((usage - $2) / 1024) }' "$1/memory.stat"
  fi
}

cg_peak() {
  if [ "$cg_version" = 1 ]; then echo $(($(cat "$1/memory.max_usage_in_bytes") / 1024)); else echo $(($(cat "$1/memory.peak") / 1024)); fi
}

cg_limit_hits() {
  if [ "$cg_version" = 1 ]; then
    echo "oom_kill $(awk '$1 == "oom_kill" { print $2 }' "$1/memory.oom_control"), failcnt $(cat "$1/memory.failcnt")"
  else
    echo "oom_kill $(awk '$1 == "oom_kill" { print $2 }' "$1/memory.events"), max $(awk '$1 == "max" { print $2 }' "$1/memory.events")"
  fi
}

cg_remove() {
  # the kernel removes a cgroup only once its last process is gone: a killed JVM takes a moment
  cg_tries=0
  until rmdir "$1" 2>/dev/null || [ ! -d "$1" ]; do
    cg_tries=$((cg_tries + 1))
    [ $cg_tries -lt 250 ] || { echo "could not remove the cgroup $1" >&2; return 1; }
    sleep 0.02
  done
}
