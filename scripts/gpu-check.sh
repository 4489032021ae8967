#!/usr/bin/env bash
# Checks refseg's GPU build on a machine with an NVIDIA GPU: ONNX Runtime's CUDA and TensorRT providers load,
# every graph runs there, and how long each graph takes on each provider list, side by side.
#
# usage: scripts/gpu-check.sh [--models DIR] [--runs N] [--out DIR] [--skip-build]
#        scripts/gpu-check.sh --probe          only look for the GPU
#        scripts/gpu-check.sh --report DIR     print the comparison of an earlier run's outputs in DIR
#
# Steps:
#  1. nvidia-smi must be there and list a GPU; it prints the GPU, the driver and the newest CUDA the driver
#     takes. Without one it says so and exits 2: nothing here can run without a GPU.
#  2. ./mvnw -B -q -Pgpu package -DskipTests: the gpu profile replaces the CPU build of ONNX Runtime with
#     onnxruntime_gpu, a 642 MB download into ~/.m2 the first time (it carries ONNX Runtime's CUDA and TensorRT
#     providers for Linux x64, but not CUDA 12, cuDNN 9 or TensorRT 10 themselves: those come from the host).
#     This replaces target/quarkus-app; ./mvnw package builds the CPU jar again. --skip-build uses the jar
#     that is there (it must be a -Pgpu build).
#  3. The models: --models DIR (a directory with manifest.properties, see README "Models"), else the fixture
#     models written by `refseg fixtures` (tiny graphs: they show that the providers load and run the graphs,
#     not what real weights cost).
#  4. `refseg models --dir DIR --runs N` with --providers tensorrt,cuda,cpu, then cuda,cpu, then cpu; each
#     output is kept in the --out folder (default target/gpu-check). The GPU is device 0: choose another
#     with CUDA_VISIBLE_DEVICES.
#  5. One table: per graph and provider list, the median run in ms, the first run (provider set-up and
#     TensorRT's engine build included) and the providers that ran its nodes (from ONNX Runtime's profile).
#
# Exit: 0 every run passed and CUDA loaded; 1 the build failed, a models run was refused, or CUDA was asked
# for and did not load (TensorRT not loading is reported, not failed: it is optional); 2 no NVIDIA GPU, or a
# bad argument.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
lists=("tensorrt,cuda,cpu" "cuda,cpu" "cpu")

usage() {
  sed -n 's/^# usage: /usage: /p; s/^#        scripts/       scripts/p' "$0"
}

models_dir=
runs=20
out=$here/target/gpu-check
build=1
probe_only=0
report_dir=
while (( $# > 0 )); do
  case $1 in
    --models|--runs|--out|--report)
      if (( $# < 2 )); then
        echo "gpu-check: $1 needs a value" >&2
        usage >&2
        exit 2
      fi
      case $1 in
        --models) models_dir=$2 ;;
        --runs) runs=$2 ;;
        --out) out=$2 ;;
        --report) report_dir=$2 ;;
      esac
      shift 2
      ;;
    --skip-build) build=0; shift ;;
    --probe) probe_only=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *)
      echo "gpu-check: unknown argument $1" >&2
      usage >&2
      exit 2
      ;;
  esac
done
if [[ ! $runs =~ ^[0-9]+$ ]] || (( runs < 1 || runs > 1000 )); then
  echo "gpu-check: --runs must be a whole number from 1 to 1000, not $runs" >&2
  exit 2
fi

# The GPU, its driver, and the newest CUDA the driver takes; exits 2 when there is none.
probe() {
  if ! command -v nvidia-smi >/dev/null 2>&1; then
    echo "no NVIDIA GPU: nvidia-smi is not on the PATH (no NVIDIA driver is installed here)."
    echo "This check needs a machine with an NVIDIA GPU, its driver, CUDA 12 and cuDNN 9."
    exit 2
  fi
  local gpus smi_rc=0
  gpus=$(nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv,noheader 2>&1) || smi_rc=$?
  if (( smi_rc != 0 )); then
    echo "no NVIDIA GPU: nvidia-smi failed (exit $smi_rc): $gpus"
    exit 2
  fi
  if [[ -z $gpus ]]; then
    echo "no NVIDIA GPU: nvidia-smi lists none"
    exit 2
  fi
  local index name driver memory
  while IFS=, read -r index name driver memory; do
    echo "GPU ${index}:${name}, driver${driver},${memory}"
  done <<<"$gpus"
  local cuda
  cuda=$(nvidia-smi 2>/dev/null | grep -o 'CUDA Version: [0-9.]*' || true)
  echo "${cuda:-CUDA Version: unknown (nvidia-smi does not say)} (the newest the driver takes; ONNX Runtime 1.29 needs 12.x)"
  # ONNX Runtime loads these when the providers are added; missing, CUDA fails with "cannot open shared object file".
  if command -v ldconfig >/dev/null 2>&1; then
    local lib cache
    # Read once into a variable: grep -q on the pipe would end ldconfig early, which pipefail counts as failure.
    cache=$(ldconfig -p 2>/dev/null || true)
    for lib in libcudart.so.12 libcublas.so.12 libcudnn.so.9 libnvinfer.so.10; do
      if [[ $cache != *"$lib"* ]]; then
        echo "note: $lib is not in the linker cache (ldconfig -p); if it is not on LD_LIBRARY_PATH either," \
          "the provider that needs it will not load"
      fi
    done
  fi
}

# What one saved `refseg models` output says, as tab-separated records:
#   loaded  PROVIDERS                        the providers that loaded, e.g. "cuda, cpu"
#   graph   KEY  MEDIAN_MS  FIRST_MS  RAN_ON  RAN_ON: the providers that ran nodes, e.g. "CUDA 8 + CPU 2"
#   note    TEXT                             a warning or refusal line
parse() {
  awk '
    /^ONNX Runtime .*execution providers requested/ {
      line = $0; sub(/.*, loaded \[/, "", line); sub(/\].*/, "", line); print "loaded\t" line; next
    }
    /^key +family +file/ { table = 1; next }
    table && NF == 0 { table = 0; next }
    table {
      # The I/O types column is "in -> out" (no spaces inside either side): the columns after it are fixed.
      for (i = 1; i <= NF && $i != "->"; i++) { }
      ran = ""
      for (j = i + 4; j < NF; j += 2) {
        count = $(j + 1); sub(/,$/, "", count)
        if (count + 0 > 0) { ran = ran (ran == "" ? "" : " + ") $j " " count }
      }
      print "graph\t" $1 "\t" $(i + 3) "\t" $(i + 2) "\t" (ran == "" ? "-" : ran)
      next
    }
    /^(warning|refused): / { print "note\t" $0 }
  ' "$1"
}

# Prints the table of every list's output in $1 and says whether CUDA loaded; returns the exit status.
report() {
  local dir=$1 list file status=0 found=0
  declare -A cell loaded
  local keys=()
  for list in "${lists[@]}"; do
    file=$dir/models-${list//,/-}.txt
    [[ -f $file ]] || continue
    found=1
    local rc
    rc=$(cat "$dir/models-${list//,/-}.rc" 2>/dev/null || echo "?")
    loaded[$list]=
    local kind a b c d
    while IFS=$'\t' read -r kind a b c d; do
      case $kind in
        loaded) loaded[$list]=$a ;;
        graph)
          [[ -v "cell[$a]" ]] || keys+=("$a")
          cell[$a]=1
          cell[$a/$list]="$b ($c) $d"
          ;;
        note) echo "--providers $list: $a" ;;
      esac
    done < <(parse "$file")
    if [[ $rc != 0 ]]; then
      echo "FAILED: refseg models --providers $list exited $rc (see $file)"
      status=1
    fi
    if [[ ,$list, == *,cuda,* && $rc == 0 && ", ${loaded[$list]}," != *", cuda,"* ]]; then
      echo "FAILED: --providers $list asked for CUDA and it did not load (loaded: [${loaded[$list]}]; the reason is" \
        "in the warning above; the GPU build is ./mvnw -Pgpu package, and CUDA 12 and cuDNN 9 must be installed)"
      status=1
    fi
    if [[ ,$list, == *,tensorrt,* && $rc == 0 && ", ${loaded[$list]}," != *", tensorrt,"* ]]; then
      echo "note: TensorRT did not load for --providers $list (TensorRT 10 is optional; without it the graphs run" \
        "on CUDA)"
    fi
  done
  if (( found == 0 )); then
    echo "gpu-check: no refseg models output (models-*.txt) in $dir"
    return 1
  fi
  echo
  echo "median ms per graph (first run ms, set-up included) and the providers that ran its nodes:"
  local header=("graph")
  for list in "${lists[@]}"; do
    [[ -f $dir/models-${list//,/-}.txt ]] && header+=("$list [${loaded[$list]}]")
  done
  {
    (IFS=$'\t'; echo "${header[*]}")
    local key row
    for key in "${keys[@]}"; do
      row=("$key")
      for list in "${lists[@]}"; do
        [[ -f $dir/models-${list//,/-}.txt ]] && row+=("${cell[$key/$list]:--}")
      done
      (IFS=$'\t'; echo "${row[*]}")
    done
  } | if command -v column >/dev/null 2>&1; then column -t -s $'\t'; else cat; fi
  return "$status"
}

if [[ -n $report_dir ]]; then
  report "$report_dir"
  exit $?
fi

probe
if (( probe_only )); then
  exit 0
fi

cd "$here"
if (( build )); then
  echo "building the GPU jar: ./mvnw -B -q -Pgpu package -DskipTests (onnxruntime_gpu is a 642 MB download the" \
    "first time)"
  if ! ./mvnw -B -q -Pgpu package -DskipTests; then
    echo "FAILED: the -Pgpu build failed"
    exit 1
  fi
fi
if ! compgen -G "$here/target/quarkus-app/lib/main/com.microsoft.onnxruntime.onnxruntime_gpu-*.jar" >/dev/null; then
  echo "FAILED: target/quarkus-app is not a -Pgpu build (no onnxruntime_gpu jar in target/quarkus-app/lib/main)"
  exit 1
fi

mkdir -p "$out"
if [[ -z $models_dir ]]; then
  models_dir=$out/fixtures
  rm -rf "$models_dir"
  echo "models: the fixture models, written to $models_dir"
  "$here/scripts/refseg" fixtures --out "$models_dir" >"$out/fixtures.txt"
else
  echo "models: $models_dir"
fi

for list in "${lists[@]}"; do
  name=models-${list//,/-}
  echo "refseg models --dir $models_dir --providers $list --runs $runs"
  rc=0
  "$here/scripts/refseg" models --dir "$models_dir" --providers "$list" --runs "$runs" \
    >"$out/$name.txt" 2>"$out/$name.log" || rc=$?
  echo "$rc" >"$out/$name.rc"
done
echo
report "$out"
