# bash completion for flytebox (installed to share/bash-completion/completions/flytebox).
# Kept in step with cli/app.cc by tests/packages/completions_test.sh.
_flytebox() {
  local cur prev words cword
  _init_completion 2>/dev/null || {
    cur="${COMP_WORDS[COMP_CWORD]}"; prev="${COMP_WORDS[COMP_CWORD-1]}"
    words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
  }
  local common="--state-dir --runtime --name --help"
  local sub="" sub_at=0 i
  for ((i = 1; i < cword; i++)); do
    case "${words[i]}" in
      demo) ;;
      start|stop|status|teardown|logs|exec|reload|image) sub="${words[i]}"; sub_at=$i; break ;;
    esac
  done
  case "$prev" in
    --runtime) COMPREPLY=($(compgen -W "native docker podman nerdctl" -- "$cur")); return ;;
    --db) COMPREPLY=($(compgen -W "sqlite postgres" -- "$cur")); return ;;
    --log-level) COMPREPLY=($(compgen -W "debug info warn error" -- "$cur")); return ;;
    -o|--output) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
    --state-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --python|--kubeconfig) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --name|--port|--s3-port|--db-port|--bind|--wait-timeout|--env|--image|--auth-token-ttl|--kube-context|--context|--k8s-port|--registry-port|--kube-pod-ttl|--kube-interruptible-toleration|--kube-interruptible-node-selector|--kube-namespace-template|--kube-default-cpu|--kube-default-memory) return ;;
  esac
  local words_now
  case "$sub" in
    start) words_now="$common --port --s3-port --db-port --bind --insecure-bind --auth --auth-token-ttl --db --s3 --python --wait-timeout --force --dry-run --env --log-level --image --kubeconfig --kube-context --context --kubernetes --k8s-port --registry-port --kube-pod-ttl --kube-interruptible-toleration --kube-interruptible-node-selector --kube-namespace-template --kube-default-cpu --kube-default-memory" ;;
    status) words_now="$common -o --output" ;;
    teardown) words_now="$common --volume" ;;
    logs) words_now="$common -f --follow engine s3 postgres supervisor" ;;
    exec) words_now="$common" ;;
    stop|reload) words_now="$common" ;;
    image)
      if [ "${words[cword-1]}" = image ]; then words_now="import load --help"
      elif [ "${words[sub_at+1]:-}" = load ]; then words_now="$common"
      else COMPREPLY=($(compgen -f -- "$cur")); return; fi ;;
    *)
      if [ "$cword" -ge 2 ] && [ "${words[1]}" = demo ]; then
        words_now="start stop status teardown logs exec reload image --help"
      else
        words_now="demo --version --help"
      fi ;;
  esac
  COMPREPLY=($(compgen -W "$words_now" -- "$cur"))
}
complete -F _flytebox flytebox
