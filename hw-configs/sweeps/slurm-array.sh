#!/usr/bin/env bash
# Runs a sweep as a Slurm array job: array task K of N runs shard K/N of the sweep into its own directory
# (OUT/shard-K-of-N), so tasks never write the same files. When every task has finished, join the shards:
#
#   sbatch --array=1-8 hw-configs/sweeps/slurm-array.sh hw-configs/sweeps/noc-bandwidth.yaml results/noc
#   npx eyeriss-sim sweep merge results/noc/shard-*-of-8 --out results/noc/merged
#   npx eyeriss-sim report results/noc/merged -o noc.html
#
# (or chain the merge: sbatch --dependency=afterok:JOBID --wrap "npx eyeriss-sim sweep merge ...").
# A task that is re-run (requeued, or the array submitted again) reuses the points its shard already finished.
# Run from the repository root (after npm ci). Outside Slurm, set SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT
# (and SLURM_ARRAY_TASK_MIN if the array does not start at 1) to run one shard by hand; EYERISS_SIM overrides the
# command (default: npx eyeriss-sim).
#SBATCH --job-name=eyeriss-sweep
#SBATCH --cpus-per-task=4
#SBATCH --mem=8G
#SBATCH --time=08:00:00
#SBATCH --output=slurm-%A_%a.out
set -euo pipefail

spec=${1:?usage: sbatch --array=1-N slurm-array.sh SWEEP.yaml OUTDIR}
out=${2:?usage: sbatch --array=1-N slurm-array.sh SWEEP.yaml OUTDIR}
id=${SLURM_ARRAY_TASK_ID:?not an array task: submit with sbatch --array=1-N}
n=${SLURM_ARRAY_TASK_COUNT:?SLURM_ARRAY_TASK_COUNT unset: submit with sbatch --array=1-N}
k=$((id - ${SLURM_ARRAY_TASK_MIN:-1} + 1))   # shards count from 1 whatever the array's first index
jobs=${SLURM_CPUS_PER_TASK:-1}

mkdir -p "$out"
${EYERISS_SIM:-npx eyeriss-sim} sweep "$spec" --shard "$k/$n" --jobs "$jobs" --out "$out/shard-$k-of-$n"
