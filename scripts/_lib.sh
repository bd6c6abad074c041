# Shared by scripts/demo, scripts/test and scripts/bench: find CPython interpreters and keep one
# virtual environment per Python version under .venv/, rebuilt when pyproject.toml changes.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VERSIONS=(3.10 3.11 3.12 3.13)

# find_python 3.12 -> prints the path of a CPython 3.12 interpreter, or nothing.
# Looks on PATH first, then in pyenv's versions (which need not be on PATH), then in common prefixes.
find_python() {
    local want=$1 candidates=() c root
    c=$(command -v "python$want" 2>/dev/null) && candidates+=("$c")
    for root in "${PYENV_ROOT:-}" "$HOME/.pyenv" /root/.pyenv /opt/pyenv; do
        [[ -n $root && -d $root/versions ]] || continue
        for c in $(ls -d "$root"/versions/"$want".* 2>/dev/null | sort -t. -k3 -n -r); do
            candidates+=("$c/bin/python$want")
        done
    done
    candidates+=("/usr/bin/python$want" "/usr/local/bin/python$want")
    c=$(command -v python3 2>/dev/null) && candidates+=("$c")
    for c in "${candidates[@]}"; do
        [[ -x $c ]] || continue
        # pyenv shims fail for versions that are not selected: ask the interpreter itself.
        if "$c" -c "import sys, platform; sys.exit(not (platform.python_implementation() == 'CPython' and '%d.%d' % sys.version_info[:2] == '$want'))" 2>/dev/null; then
            echo "$c"
            return 0
        fi
    done
    return 1
}

# ensure_venv 3.12 /path/to/python extras -> prints the venv's python; installs the project editable.
# extras may name several, comma-separated ("test,notebooks": .venv/test+notebooks-py3.13).
ensure_venv() {
    local want=$1 python=$2 extras=$3 venv="$ROOT/.venv/${3//,/+}-py$1" stamp
    stamp=$(cat "$ROOT/pyproject.toml" | "$python" -c "import sys, hashlib; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())")-$extras
    if [[ ! -x $venv/bin/python || $(cat "$venv/.allstop-stamp" 2>/dev/null) != "$stamp" ]]; then
        echo "setting up $venv ($("$python" -V 2>&1))" >&2
        rm -rf "$venv"
        "$python" -m venv "$venv" >&2 || return 1
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2 || return 1
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT[$extras]" >&2 || return 1
        echo "$stamp" > "$venv/.allstop-stamp"
    fi
    echo "$venv/bin/python"
}
