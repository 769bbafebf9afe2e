#!/usr/bin/env bash
# Runs the waves of a study's index.csv as Kubernetes Indexed Jobs (study-wave.k8s.yaml), one wave
# after another: each is applied, then waited for until it is complete. A wave that fails stops here;
# run the script again after fixing the cause (delete the failed Job first): finished runs are skipped.
#
#   examples/study/submit-kubernetes.sh ./out/study/jobs/index.csv [kubectl options, e.g. --namespace=ml]
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: $0 <index.csv> [kubectl options...]" >&2; exit 2; }
index=$1
shift
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for wave in $(tail -n +2 "$index" | cut -d, -f1 | sort -n -u); do
  count=$(tail -n +2 "$index" | awk -F, -v w="$wave" '$1 == w' | wc -l)
  echo "wave $wave: $count run(s)"
  sed -e "s/__WAVE__/$wave/g" -e "s/__COUNT__/$count/g" "$here/study-wave.k8s.yaml" | kubectl apply "$@" -f -
  # Until the Job is Complete, or Failed (a run failed more often than backoffLimitPerIndex allows).
  while :; do
    state=$(kubectl get "$@" "job/bertadapt-study-wave-$wave" -o jsonpath='{.status.conditions[?(@.status=="True")].type}')
    case " $state " in
      *" Complete "*) break ;;
      *" Failed "*) echo "$0: wave $wave failed; kubectl logs job/bertadapt-study-wave-$wave says why" >&2; exit 1 ;;
    esac
    sleep 30
  done
done
