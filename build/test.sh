#!/usr/bin/env bash
# The one test command (CI runs it through .ci/run). Installs the system packages the tests use for real when it
# can, builds the solution in Release, runs every test project (continuing past a failing one), and ends with one
# line: "N passed, N failed" (skipped tests are counted on the line before). Exits non-zero if a build or a test
# project failed, or nothing passed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo_root="$(pwd)"
results="$repo_root/build/out/test-results"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Build nodes left behind would outlive this script (and hold CI's output open); keep them to this run.
export MSBUILDDISABLENODEREUSE=1
if [[ "${CI:-}" == "true" ]]; then
  trap 'dotnet build-server shutdown >/dev/null 2>&1 || true' EXIT
fi

section() { printf '\n==== %s\n' "$*"; }

# ---- system packages: redis-server (cache tests), chromium (browser tests), python3-aiosmtpd (SMTP sink)
section "system packages"
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# The SMTP sink runs under /usr/bin/python3; dpkg -s also succeeds for a removed package whose config files remain.
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
if ((${#missing[@]} == 0)); then
  echo "redis-server, chromium and python3-aiosmtpd are installed"
elif [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
  echo "installing: ${missing[*]}"
  mkdir -p "$repo_root/build/out"
  apt_log="$repo_root/build/out/apt.log"
  if DEBIAN_FRONTEND=noninteractive apt-get update >"$apt_log" 2>&1 \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >>"$apt_log" 2>&1; then
    echo "installed: ${missing[*]}"
  else
    tail -n 20 "$apt_log" || true
    echo "WARNING: could not install ${missing[*]} (log: build/out/apt.log); the tests that need them will fail"
  fi
else
  echo "WARNING: missing ${missing[*]} and not root: install them (apt-get install ${missing[*]}); the tests that need them will fail"
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "ERROR: dotnet is not on PATH; install the .NET SDK named in global.json"
  echo "0 passed, 1 failed"
  exit 1
fi

if [[ -n "${CRM_TEST_MONGO:-}" ]]; then
  export CRM_TEST_MONGO
  echo "MongoDB contract run: CRM_TEST_MONGO is set"
else
  echo "!!!! MongoDB contract run skipped: CRM_TEST_MONGO not set"
fi

# ---- build
build_failed=0
section "restore"
if ! dotnet restore Crm.sln --verbosity quiet; then
  build_failed=1
fi
section "build (Release)"
if ((build_failed == 0)) && ! dotnet build Crm.sln -c Release --no-restore --nologo --verbosity minimal; then
  build_failed=1
fi
if ((build_failed)); then
  echo "!!!! BUILD FAILED: running the test projects that did build"
fi

# ---- tests
rm -rf "$results"
mkdir -p "$results"
projects=()
while IFS= read -r project; do
  projects+=("$project")
done < <(
  {
    find tests -name '*.Tests.csproj' -not -path '*/bin/*' -not -path '*/obj/*'
    [[ -f tests/Crm.ArchitectureTests/Crm.ArchitectureTests.csproj ]] && echo tests/Crm.ArchitectureTests/Crm.ArchitectureTests.csproj
  } | sort -u
)

# Reads one counter of a TRX <Counters .../> element (0 when absent).
counter() {
  local value
  value="$(sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$2" | head -n 1)"
  echo "${value:-0}"
}

section "tests (${#projects[@]} projects; logs and TRX files in build/out/test-results)"
total_passed=0 total_failed=0 total_skipped=0 failed_projects=()
for project in "${projects[@]}"; do
  name="$(basename "$project" .csproj)"
  log="$results/$name.log"
  trx="$results/$name.trx"
  started=$SECONDS
  set +e
  # A test that hangs is killed (with its child processes) instead of eating CI's time.
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
    --blame-hang-timeout 15m --blame-hang-dump-type none >"$log" 2>&1
  exit_code=$?
  set -e
  elapsed=$((SECONDS - started))

  passed=0 failed=0 skipped=0
  if [[ -f "$trx" ]]; then
    counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1 || true)"
    passed="$(counter passed "$counters")"
    failed=$(($(counter failed "$counters") + $(counter error "$counters") + $(counter timeout "$counters") + $(counter aborted "$counters")))
    # VSTest leaves ignored tests out of every outcome counter: whatever is neither passed nor failed was skipped.
    skipped=$(($(counter total "$counters") - passed - failed))
    ((skipped < 0)) && skipped=0
  fi

  if ((exit_code != 0)) && ((failed == 0)); then
    # The run broke without a failing test to show for it (no build output, a crash, a hang): count it once.
    failed=1
    summary="did not run to completion (exit $exit_code)"
  elif ((passed + failed + skipped == 0)); then
    summary="no tests yet"
  else
    summary="$passed passed, $failed failed, $skipped skipped"
  fi
  printf '  %-40s %s (%ss)\n' "$name" "$summary" "$elapsed"

  if ((failed > 0)); then
    failed_projects+=("$name")
    echo "---- $name: last lines of build/out/test-results/$name.log"
    tail -n 200 "$log" | sed 's/^/    /'
    echo "---- end of $name"
  fi
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  total_skipped=$((total_skipped + skipped))
done

section "summary"
if ((build_failed)); then
  # A broken build counts as a failure even where stale outputs let the tests run.
  echo "!!!! the build failed"
  total_failed=$((total_failed + 1))
fi
((${#failed_projects[@]})) && echo "failing projects: ${failed_projects[*]}"
[[ -z "${CRM_TEST_MONGO:-}" ]] && echo "!!!! MongoDB contract run skipped: CRM_TEST_MONGO not set"
((total_passed == 0)) && echo "!!!! no test passed"

((total_skipped > 0)) && echo "$total_skipped skipped"
echo "$total_passed passed, $total_failed failed"

if ((build_failed || total_failed > 0 || total_passed == 0)); then
  exit 1
fi
