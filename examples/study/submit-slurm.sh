#!/usr/bin/env bash
# Submits the jobs of Compare-BertAdaptation -AsJobFiles to Slurm: one job array per wave of
# index.csv, each array after the one before it has succeeded (--dependency=afterok), each of its
# tasks one run (study-job.sbatch picks the run by SLURM_ARRAY_TASK_ID).
#
#   examples/study/submit-slurm.sh /shared/study/jobs [sbatch options, e.g. --partition=gpu --gres=gpu:1]
#
# The job folder, the study folder and the inputs must be on a file system every node mounts, at
# the same places relative to each other (the job files' paths are relative to their folder).
# Set BERTADAPT_MODULE to the path of BertAdapt.psd1 when the module is not on PSModulePath.
# A run that fails stops the later waves; submit again after fixing it: finished runs are skipped.
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: $0 <job folder> [sbatch options...]" >&2; exit 2; }
jobs=$(cd "$1" && pwd)
shift
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
index="$jobs/index.csv"
[[ -f $index ]] || { echo "$0: no index.csv in $jobs; write it with Compare-BertAdaptation -AsJobFiles" >&2; exit 1; }

after=()
for wave in $(tail -n +2 "$index" | cut -d, -f1 | sort -n -u); do
  count=$(tail -n +2 "$index" | awk -F, -v w="$wave" '$1 == w' | wc -l)
  id=$(sbatch --parsable --job-name="bertadapt-study-w$wave" --array="0-$((count - 1))" \
    --export="ALL,STUDY_WAVE=$wave,STUDY_JOBS=$jobs,STUDY_SCRIPTS=$here" \
    ${after[@]+"${after[@]}"} "$@" "$here/study-job.sbatch")
  id=${id%%;*}
  echo "wave $wave: $count run(s) as job array $id"
  after=(--dependency="afterok:$id" --kill-on-invalid-dep=yes)
done
