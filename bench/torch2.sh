# shellcheck shell=sh disable=SC2154
# torch2.sh - sourced by the PyTorch comparisons: sets py2 to the interpreter of the PyTorch 2.x
# a user installs from PyPI: PYTHON2, else the python of a venv (TORCH_VENV, ./v, or v beside
# the checkout), else empty. Expects here= the bench folder.
py2=${PYTHON2:-}
if [ -z "$py2" ]; then
    for venv in ${TORCH_VENV:+"$TORCH_VENV"} v "$(cd "$here/../.." && pwd)/v"; do
        if [ -x "$venv/bin/python" ]; then
            py2=$venv/bin/python
            break
        fi
    done
fi
